"""Announcements (公告): the audience rule on every page and endpoint (another organization's
or product's announcement is a 404, and absent from lists), managers only write, the audit
trail, once-only mail on publish, bad input 400s, query counts, mails in both languages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from releases import selectors, services
from releases.models import AnnouncementEvent, AnnouncementNotice
from servicedesk.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from servicedesk.models import OutboxMessage
from servicedesk.outbox import render_payload
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TOPIC = "release.announcement"


def _announce(manager, capture=None, **values):
    values.setdefault("title", "Billing upgrade on Saturday")
    values.setdefault("body", "We upgrade **Billing** to 3.3.")
    announcement = services.announcement_create(actor=manager, **values)
    if capture is None:
        return services.announcement_publish(announcement, actor=manager)
    with capture(execute=True):
        return services.announcement_publish(announcement, actor=manager)


@pytest.fixture
def payroll(contract):
    """A product only Acme (the customer's organization) has."""
    product = f.ProductFactory(name="Payroll", code="payroll")
    contract.products.add(product)
    return product


@pytest.fixture
def for_acme(manager, org):
    return _announce(manager, title="For Acme", audience="organizations", organizations=[org])


@pytest.fixture
def for_other(manager, other_org):
    return _announce(
        manager, title="For Other Bank", audience="organizations", organizations=[other_org]
    )


@pytest.fixture
def for_payroll(manager, payroll):
    return _announce(manager, title="Payroll news", audience="products", products=[payroll])


# --------------------------------------------------------------------------- audience


def test_each_customer_sees_only_what_is_addressed_to_them(
    customer, other_customer, manager, for_acme, for_other, for_payroll
):
    everyone = _announce(manager, title="For all")
    draft = services.announcement_create(actor=manager, title="Draft")
    assert list(selectors.announcements_visible(customer)) == [everyone, for_payroll, for_acme]
    assert list(selectors.announcements_visible(other_customer)) == [everyone, for_other]
    assert draft not in selectors.announcement_list(customer)
    assert set(selectors.announcement_list(manager)) == {
        everyone,
        draft,
        for_acme,
        for_other,
        for_payroll,
    }
    with pytest.raises(NotFound):
        selectors.announcement_get_for(other_customer, for_acme.pk)


def test_withdrawn_and_expired_announcements_leave_the_portal(customer, manager, for_acme):
    services.announcement_withdraw(for_acme, actor=manager)
    expired = _announce(manager, title="Gone soon")
    expired.expires_at = timezone.now() - dt.timedelta(minutes=1)
    expired.save()
    assert list(selectors.announcements_visible(customer)) == []


def test_banner_shows_only_windows_not_yet_over(customer, manager):
    now = timezone.now()
    past = _announce(
        manager,
        title="Done",
        kind="maintenance",
        window_starts_at=now - dt.timedelta(hours=3),
        window_ends_at=now - dt.timedelta(hours=1),
    )
    coming = _announce(
        manager,
        title="Coming",
        kind="maintenance",
        window_starts_at=now + dt.timedelta(days=1),
        window_ends_at=now + dt.timedelta(days=1, hours=2),
    )
    assert selectors.announcements_current(customer) == [coming]
    assert past in selectors.announcements_visible(customer)


# --------------------------------------------------------------------------- services


def test_only_managers_write_and_customers_learn_nothing(engineer, customer, manager):
    with pytest.raises(NotAllowed):
        services.announcement_create(actor=engineer, title="x")
    with pytest.raises(NotFound):
        services.announcement_create(actor=customer, title="x")
    draft = services.announcement_create(actor=manager, title="x")
    with pytest.raises(NotAllowed):
        services.announcement_publish(draft, actor=engineer)


@pytest.mark.parametrize(
    "values, field",
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "t", "audience": "organizations"}, "organizations"),
        ({"title": "t", "audience": "products"}, "products"),
        ({"title": "t", "kind": "maintenance"}, "window_starts_at"),
        ({"title": "t", "kind": "party"}, "kind"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(manager, values, field):
    with pytest.raises(ValidationFailed) as error:
        services.announcement_create(actor=manager, **values)
    assert field in error.value.fields
    assert not AnnouncementEvent.objects.exists()


def test_every_change_is_audited_and_transitions_are_data(manager):
    draft = services.announcement_create(actor=manager, title="Notice")
    services.announcement_update(draft, actor=manager, title="Notice 2", body="More")
    services.announcement_publish(draft, actor=manager)
    with pytest.raises(InvalidTransition):
        services.announcement_publish(draft, actor=manager)
    services.announcement_withdraw(draft, actor=manager)
    services.announcement_publish(draft, actor=manager)
    events = list(AnnouncementEvent.objects.filter(announcement=draft))
    assert [e.kind for e in events] == ["created", "updated", "published", "withdrawn", "published"]
    assert events[1].data["title"] == ["Notice", "Notice 2"] and events[1].actor == manager


def test_mail_on_publish_reaches_the_audience_once(
    customer, other_customer, manager, org, django_capture_on_commit_callbacks
):
    f.ContactFactory(organization=org, name="Mail only", email="mail@acme.example")
    announcement = _announce(
        manager,
        django_capture_on_commit_callbacks,
        audience="organizations",
        organizations=[org],
        send_email=True,
    )
    recipients = sorted(
        OutboxMessage.objects.filter(topic=TOPIC).values_list("recipient", flat=True)
    )
    assert recipients == sorted([customer.email, "mail@acme.example"])
    assert services.announcement_notices_send(announcement.pk) == 0
    services.announcement_withdraw(announcement, actor=manager)
    with django_capture_on_commit_callbacks(execute=True):
        services.announcement_publish(announcement, actor=manager)
    assert OutboxMessage.objects.filter(topic=TOPIC).count() == 2
    assert AnnouncementNotice.objects.filter(announcement=announcement).count() == 2


def test_no_mail_unless_asked(customer, manager, django_capture_on_commit_callbacks):
    _announce(manager, django_capture_on_commit_callbacks)
    assert not OutboxMessage.objects.filter(topic=TOPIC).exists()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_announcement_mail_reads_well_in_both_languages(language):
    mail = render_payload(
        TOPIC,
        {
            "title": "Billing upgrade",
            "kind": "maintenance",
            "body": "Saturday night.",
            "window_starts_at": "2026-12-05T14:00:00+00:00",
            "window_ends_at": "2026-12-05T16:00:00+00:00",
            "path": "/portal/announcements/3/",
            "language": language,
            "time_zone": "Asia/Shanghai",
        },
    )
    assert "Billing upgrade" in mail.subject and "Saturday night." in mail.text
    assert "/portal/announcements/3/" in mail.text and "+00:00" not in mail.text
    if language == "zh-hans":
        assert "公告" in mail.subject and "维护窗口" in mail.text and "22:00" in mail.text
    else:
        assert "Announcement" in mail.subject and "Maintenance window" in mail.text


# --------------------------------------------------------------------------- pages


def test_portal_pages_follow_the_audience(client, customer, for_acme, for_other):
    client.force_login(customer)
    home = client.get(reverse("portal:ticket-list"))
    assert "For Acme" in home.text and "For Other Bank" not in home.text
    listing = client.get(reverse("announcements:list"))
    assert "For Acme" in listing.text and "For Other Bank" not in listing.text
    assert client.get(reverse("announcements:detail", args=[for_acme.pk])).status_code == 200
    assert client.get(reverse("announcements:detail", args=[for_other.pk])).status_code == 404


def test_the_body_is_rendered_safely(client, customer, manager):
    announcement = _announce(
        manager, body="**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    )
    client.force_login(customer)
    page = client.get(reverse("announcements:detail", args=[announcement.pk])).text
    assert "<strong>Bold</strong>" in page
    assert "<script>alert" not in page and 'href="javascript' not in page


def test_staff_pages_managers_write_others_read(client, manager, engineer, customer, org):
    client.force_login(engineer)
    assert client.get(reverse("staff-announcements:list")).status_code == 200
    assert client.get(reverse("staff-announcements:new")).status_code == 403
    client.force_login(customer)
    assert client.get(reverse("staff-announcements:list")).status_code == 403
    client.force_login(manager)
    response = client.post(
        reverse("staff-announcements:new"),
        {
            "title": "Upgrade",
            "kind": "notice",
            "audience": "organizations",
            "organizations": [org.pk],
        },
    )
    assert response.status_code == 302
    announcement = selectors.announcement_list(manager).get()
    bad = client.post(
        reverse("staff-announcements:edit", args=[announcement.pk]),
        {"title": "Upgrade", "kind": "notice", "audience": "products"},
    )
    assert bad.status_code == 400 and "Choose at least one product." in bad.text
    assert (
        client.post(reverse("staff-announcements:publish", args=[announcement.pk])).status_code
        == 302
    )
    again = client.post(reverse("staff-announcements:publish", args=[announcement.pk]))
    assert again.status_code == 409
    client.force_login(engineer)
    assert (
        client.post(reverse("staff-announcements:withdraw", args=[announcement.pk])).status_code
        == 403
    )


def test_portal_pages_query_counts_do_not_grow(
    client, customer, manager, org, django_assert_max_num_queries
):
    for i in range(6):
        _announce(manager, title=f"Notice {i}", audience="organizations", organizations=[org])
    client.force_login(customer)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("announcements:list")).status_code == 200


def test_staff_list_query_count_does_not_grow(
    client, manager, org, payroll, django_assert_max_num_queries
):
    for i in range(6):
        _announce(manager, title=f"N{i}", audience="organizations", organizations=[org])
        _announce(manager, title=f"P{i}", audience="products", products=[payroll])
    client.force_login(manager)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("staff-announcements:list")).status_code == 200


# --------------------------------------------------------------------------- API


LIST = "/api/v1/announcements/"


def test_api_customers_read_only_theirs(
    customer, other_customer, for_acme, for_other, other_org, org
):
    both = _announce(
        for_acme.created_by,
        title="Both",
        audience="organizations",
        organizations=[org, other_org],
    )
    api = client_for(customer)
    rows = api.get(LIST).json()["results"]
    assert [r["title"] for r in rows] == ["Both", "For Acme"]
    assert rows[0]["organizations"] == [{"id": org.pk, "name": org.name}]  # not Other Bank
    assert api.get(f"{LIST}{for_other.pk}/").status_code == 404
    assert api.get(f"{LIST}{both.pk}/").status_code == 200
    for url in (LIST, f"{LIST}{for_acme.pk}/publish", f"{LIST}{for_acme.pk}/withdraw"):
        assert api.post(url, {"title": "x"}, format="json").status_code == 404
    assert api.put(f"{LIST}{for_acme.pk}/", {"title": "x"}, format="json").status_code == 404


def test_api_anonymous_is_401(api, for_acme):
    assert api.get(LIST).status_code == 401
    assert api.get(f"{LIST}{for_acme.pk}/").status_code == 401


def test_api_manager_drafts_publishes_and_withdraws(manager, engineer, org, customer):
    api = client_for(manager)
    created = api.post(
        LIST,
        {
            "title": "Window",
            "kind": "maintenance",
            "audience": "organizations",
            "organizations": [org.pk],
            "window_starts_at": "2026-12-05T14:00:00Z",
            "window_ends_at": "2026-12-05T16:00:00Z",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["state"] == "draft"
    assert client_for(customer).get(f"{LIST}{pk}/").status_code == 404
    assert client_for(engineer).post(f"{LIST}{pk}/publish").status_code == 403
    published = api.post(f"{LIST}{pk}/publish")
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert client_for(customer).get(f"{LIST}{pk}/").status_code == 200
    again = api.post(f"{LIST}{pk}/publish")
    assert again.status_code == 409 and again.json()["allowed"] == ["withdrawn"]
    assert api.post(f"{LIST}{pk}/withdraw").json()["state"] == "withdrawn"
    assert client_for(customer).get(f"{LIST}{pk}/").status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "title"),
        ({"title": "t", "kind": "party"}, "kind"),
        ({"title": "t", "audience": "organizations", "organizations": [999999]}, "organizations"),
        ({"title": "t", "audience": "products"}, "products"),
        (
            {
                "title": "t",
                "window_starts_at": "2026-12-05T16:00:00Z",
                "window_ends_at": "2026-12-05T14:00:00Z",
            },
            "window_ends_at",
        ),
    ],
)
def test_api_bad_input_is_400_naming_the_field(manager, body, field):
    response = client_for(manager).post(LIST, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_api_list_query_count_is_constant(
    customer, manager, org, payroll, django_assert_max_num_queries
):
    for i in range(8):
        _announce(manager, title=f"O{i}", audience="organizations", organizations=[org])
        _announce(manager, title=f"P{i}", audience="products", products=[payroll])
    for user, limit in ((customer, 9), (manager, 9)):
        with django_assert_max_num_queries(limit):
            response = client_for(user).get(LIST)
        assert response.status_code == 200 and len(response.json()["results"]) == 16
