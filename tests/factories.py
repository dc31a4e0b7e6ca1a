"""factory_boy factories shared by all test modules."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from servicedesk.choices import Role, SkillArea, TeamKind
from servicedesk.models import (
    Contact,
    Contract,
    Organization,
    Product,
    ProductVersion,
    Skill,
    Team,
    User,
)
from tickets.choices import Channel, TicketKind
from tickets.models import Ticket

PASSWORD = "pass-Word-123"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    code = factory.Sequence(lambda n: f"org-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"prod-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")


class ProductVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVersion

    product = factory.SubFactory(ProductFactory)
    version = factory.Sequence(lambda n: f"1.{n}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"C-{n:04d}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=335))

    @factory.post_generation
    def products(self, create, extracted, **kwargs):
        if create and extracted:
            self.products.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = Role.ENGINEER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


class CustomerFactory(UserFactory):
    role = Role.CUSTOMER
    organization = factory.SubFactory(OrganizationFactory)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    phone = factory.Sequence(lambda n: f"1380000{n:04d}")
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    kind = TeamKind.REMOTE


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill

    user = factory.SubFactory(UserFactory)
    product = factory.SubFactory(ProductFactory)
    area = SkillArea.APPLICATION


class TicketFactory(factory.django.DjangoModelFactory):
    """A bare ticket row for read tests; write tests go through ``tickets.services``."""

    class Meta:
        model = Ticket

    number = factory.Sequence(lambda n: f"SD-T-{n:06d}")
    organization = factory.SubFactory(OrganizationFactory)
    kind = TicketKind.FAULT
    channel = Channel.PORTAL
    title = factory.Sequence(lambda n: f"Ticket {n}")
