from __future__ import annotations

import pytest

from servicedesk.choices import Role, SkillArea
from tests import factories as f
from tickets import selectors
from tickets.choices import TicketStatus
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_visibility_chokepoint(customer, other_customer, engineer, org, other_org):
    mine = f.TicketFactory(organization=org)
    theirs = f.TicketFactory(organization=other_org)
    assert list(Ticket.objects.visible_to(customer)) == [mine]
    assert set(Ticket.objects.visible_to(engineer)) == {mine, theirs}
    inactive = f.UserFactory(role=Role.ENGINEER, is_active=False)
    assert not Ticket.objects.visible_to(inactive).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not Ticket.objects.visible_to(AnonymousUser()).exists()


def test_ticket_get_for_hides_foreign(customer, other_org):
    theirs = f.TicketFactory(organization=other_org)
    from servicedesk.errors import NotFound

    with pytest.raises(NotFound):
        selectors.ticket_get_for(customer, theirs.pk)
    with pytest.raises(NotFound):
        selectors.ticket_get_for(customer, theirs.number)


def test_suggestions_rank_by_skill_then_load_and_skip_away(org, product):
    ticket = f.TicketFactory(organization=org, product=product, area=SkillArea.DATABASE)
    expert = f.UserFactory(username="expert", role=Role.ENGINEER)
    f.SkillFactory(user=expert, product=product, area=SkillArea.DATABASE)
    busy_expert = f.UserFactory(username="busy", role=Role.ENGINEER)
    f.SkillFactory(user=busy_expert, product=product, area=SkillArea.DATABASE)
    for _ in range(3):
        f.TicketFactory(organization=org, assignee=busy_expert, status=TicketStatus.IN_PROGRESS)
    f.TicketFactory(organization=org, assignee=expert, status=TicketStatus.CLOSED)
    generalist = f.UserFactory(username="generalist", role=Role.ENGINEER)
    f.SkillFactory(user=generalist, product=None, area=SkillArea.DATABASE)
    away = f.UserFactory(username="away", role=Role.ENGINEER, is_away=True)
    f.SkillFactory(user=away, product=product, area=SkillArea.DATABASE)
    f.UserFactory(username="novice", role=Role.ENGINEER)

    ranked = selectors.assignee_suggestions(ticket)
    names = [s.user.username for s in ranked]
    assert names == ["expert", "busy", "generalist", "novice"]
    assert ranked[0].open_load == 0 and ranked[1].open_load == 3
    assert ranked[0].score > ranked[2].score > ranked[3].score == 0


def test_suggestions_query_count_is_constant(org, product, django_assert_max_num_queries):
    ticket = f.TicketFactory(organization=org, product=product)
    for i in range(15):
        f.SkillFactory(user=f.UserFactory(username=f"e{i}", role=Role.ENGINEER), product=product)
    # engineers, their skills, their open load (a GROUP BY over open tickets only)
    with django_assert_max_num_queries(3):
        selectors.assignee_suggestions(ticket)
    for i in range(10):
        user = f.UserFactory(username=f"more{i}", role=Role.ENGINEER)
        f.SkillFactory(user=user, product=product)
        f.TicketFactory(organization=org, assignee=user, status="accepted")
    with django_assert_max_num_queries(3):
        suggestions = selectors.assignee_suggestions(ticket)
    assert {s.open_load for s in suggestions} <= {0, 1}


def test_caller_lookup_by_phone(org):
    contact = f.ContactFactory(organization=org, phone="+86 139 1234 5678")
    f.ContactFactory(organization=org, phone="13900000000")
    assert list(selectors.contacts_by_phone("+86 139 1234 5678")) == [contact]
    assert list(selectors.contacts_by_phone("12")) == []
