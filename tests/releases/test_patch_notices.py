"""Patch notices: a published version that fixes faults tells every active contact of every
organization with an installation on an affected version, once per (version, contact),
however often publishing or the task runs; in batches; by each person's channel; in their
language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from maintenance.choices import WorkOrderKind
from maintenance.models import WorkOrder
from releases import services
from releases.models import Installation, PatchNotice
from servicedesk.models import Notification, NotificationPreference, OutboxMessage
from servicedesk.outbox import build_email, render_payload
from tests import factories as f

pytestmark = pytest.mark.django_db

TOPIC = "release.patch_published"


@pytest.fixture
def setup(org, other_org, product, contract, other_contract, customer, engineer):
    """Billing 3.2 has a fault fixed in 3.3; Acme runs 3.2 (affected), Other Bank 3.1."""
    today = timezone.localdate()
    old = f.ProductVersionFactory(
        product=product, version="3.1", released_on=today - dt.timedelta(days=300)
    )
    affected = f.ProductVersionFactory(
        product=product, version="3.2", released_on=today - dt.timedelta(days=100)
    )
    fix = f.ProductVersionFactory(product=product, version="3.3", notes="Fixes blank pages.")
    Installation.objects.create(contract=contract, product=product, version=affected)
    Installation.objects.create(contract=other_contract, product=product, version=old)
    order = WorkOrder.objects.create(
        number="WO-2026-0001",
        kind=WorkOrderKind.CORRECTIVE,
        title="Blank second page",
        product=product,
        delivered_version=fix,
    )
    order.affected_versions.set([affected])
    mail_only = f.ContactFactory(organization=org, name="Wang Wu", email="wang@acme.example")
    gone_user = f.CustomerFactory(username="gone", organization=org, is_active=False)
    f.ContactFactory(organization=org, user=gone_user, name="Gone", email=gone_user.email)
    f.ContactFactory(organization=org, name="No address", email="")
    other_contact = f.ContactFactory(organization=other_org, name="Zhao", email="z@other.example")
    return {
        "fix": fix,
        "customer": customer,
        "mail_only": mail_only,
        "other_contact": other_contact,
        "engineer": engineer,
    }


def _publish(version, engineer, on, capture):
    with capture(execute=True):
        services.release_notes_update(version, actor=engineer, notes=version.notes, released_on=on)


def test_publishing_tells_each_active_contact_of_affected_organizations_once(
    setup, django_capture_on_commit_callbacks
):
    fix, customer = setup["fix"], setup["customer"]
    _publish(fix, setup["engineer"], timezone.localdate(), django_capture_on_commit_callbacks)
    rows = OutboxMessage.objects.filter(topic=TOPIC)
    assert sorted(rows.values_list("recipient", flat=True)) == sorted(
        [customer.email, "wang@acme.example"]
    )
    assert Notification.objects.filter(user=customer, topic=TOPIC).count() == 1
    assert PatchNotice.objects.filter(version=fix).count() == 2
    assert "z@other.example" not in rows.values_list("recipient", flat=True)


def test_publishing_again_or_rerunning_the_task_tells_nobody_twice(
    setup, django_capture_on_commit_callbacks
):
    fix, engineer = setup["fix"], setup["engineer"]
    today = timezone.localdate()
    _publish(fix, engineer, today, django_capture_on_commit_callbacks)
    assert services.patch_notices_send(fix.pk) == 0
    _publish(fix, engineer, None, django_capture_on_commit_callbacks)
    _publish(fix, engineer, today, django_capture_on_commit_callbacks)
    assert services.patch_notices_due() == 0
    assert OutboxMessage.objects.filter(topic=TOPIC).count() == 2
    assert Notification.objects.filter(topic=TOPIC).count() == 1


def test_the_database_refuses_a_second_notice_for_one_version_and_contact(setup):
    PatchNotice.objects.create(version=setup["fix"], contact=setup["mail_only"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PatchNotice.objects.create(version=setup["fix"], contact=setup["mail_only"])


def test_notices_go_in_bounded_batches_and_still_reach_everyone(setup, org):
    fix = setup["fix"]
    fix.released_on = timezone.localdate()
    fix.save()
    for i in range(5):
        f.ContactFactory(organization=org, name=f"Extra {i}", email=f"extra{i}@acme.example")
    assert services.patch_notices_send(fix.pk, batch_size=2) == 7
    assert services.patch_notices_send(fix.pk, batch_size=2) == 0
    recipients = list(OutboxMessage.objects.filter(topic=TOPIC).values_list("recipient", flat=True))
    assert len(recipients) == len(set(recipients)) == 7


def test_a_future_release_date_waits_for_the_hourly_catch_up(
    setup, django_capture_on_commit_callbacks
):
    fix = setup["fix"]
    later = timezone.localdate() + dt.timedelta(days=2)
    _publish(fix, setup["engineer"], later, django_capture_on_commit_callbacks)
    assert not OutboxMessage.objects.filter(topic=TOPIC).exists()
    assert services.patch_notices_due(today=later - dt.timedelta(days=1)) == 0
    fix.released_on = timezone.localdate()  # the date has come
    fix.save()
    assert services.patch_notices_due() == 2


def test_a_version_that_fixes_nothing_tells_nobody(
    setup, product, django_capture_on_commit_callbacks
):
    plain = f.ProductVersionFactory(product=product, version="3.4")
    _publish(plain, setup["engineer"], timezone.localdate(), django_capture_on_commit_callbacks)
    assert not OutboxMessage.objects.filter(topic=TOPIC).exists()


def test_each_person_s_channel_is_respected(setup, django_capture_on_commit_callbacks):
    customer = setup["customer"]
    NotificationPreference.objects.create(user=customer, topic=TOPIC, channel="in_app")
    _publish(
        setup["fix"], setup["engineer"], timezone.localdate(), django_capture_on_commit_callbacks
    )
    assert not OutboxMessage.objects.filter(topic=TOPIC, recipient=customer.email).exists()
    assert Notification.objects.filter(user=customer, topic=TOPIC).exists()


def test_the_mail_links_to_the_downloads_and_quotes_the_notes(
    setup, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://desk.example.com"
    fix = setup["fix"]
    _publish(fix, setup["engineer"], timezone.localdate(), django_capture_on_commit_callbacks)
    mail = build_email(OutboxMessage.objects.filter(topic=TOPIC).first())
    assert "Billing 3.3" in mail.subject
    assert f"https://desk.example.com/portal/downloads/#version-{fix.pk}" in mail.body
    assert "Fixes blank pages." in mail.body


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_patch_mail_reads_well_in_both_languages(language):
    mail = render_payload(
        TOPIC,
        {
            "product": "Billing",
            "version": "3.3",
            "title": "Billing 3.3",
            "released_on": "2026-12-03",
            "notes": "Fixes blank pages.",
            "path": "/portal/downloads/#version-7",
            "language": language,
            "time_zone": "Asia/Shanghai",
        },
    )
    assert "Billing 3.3" in mail.subject and "Fixes blank pages." in mail.text
    assert "/portal/downloads/#version-7" in mail.text and "Billing 3.3" in mail.html
    if language == "zh-hans":
        assert "补丁" in mail.subject and "下载区" in mail.text
    else:
        assert "Patch published" in mail.subject and "downloads area" in mail.text
