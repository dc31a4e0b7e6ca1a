"""Per-user channels per event type and the in-app notification list: services, API and
pages; each user sees and changes only their own; the header's unread badge costs one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.models import Notification, NotificationPreference, OutboxMessage
from servicedesk.notifications import UNREAD_CAP, preferences_set, unread_count
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = pytest.mark.django_db

API = "/api/v1/notifications/"


def _ticket(customer, product):
    return services.ticket_create(
        actor=customer,
        title="Reports are empty",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )


def _notes(user, count, **kw):
    return Notification.objects.bulk_create(
        Notification(user=user, topic="ticket.replied", subject=f"Reply {i}", url="/portal/", **kw)
        for i in range(count)
    )


def test_a_reply_is_mailed_and_listed_by_default(customer, product, agent):
    ticket = _ticket(customer, product)
    services.comment_add(ticket, actor=agent, body="Fixed in 5.4.2.")
    assert OutboxMessage.objects.filter(recipient=customer.email, topic="ticket.replied").exists()
    listed = Notification.objects.get(user=customer, topic="ticket.replied")
    assert ticket.number in listed.subject and listed.url == f"/portal/tickets/{ticket.number}/"
    assert listed.read_at is None


def test_in_app_only_writes_no_mail_and_off_writes_nothing(customer, product, agent):
    ticket = _ticket(customer, product)
    preferences_set(customer, {"ticket.replied": "in_app", "ticket.status_changed": "off"})
    services.comment_add(ticket, actor=agent, body="Looking into it.")
    assert not OutboxMessage.objects.filter(topic="ticket.replied").exists()
    assert Notification.objects.filter(user=customer, topic="ticket.replied").count() == 1
    services.ticket_transition(ticket, actor=agent, to_status="in_progress")
    assert not OutboxMessage.objects.filter(topic="ticket.status_changed").exists()
    assert not Notification.objects.filter(topic="ticket.status_changed").exists()


def test_mandatory_notifications_cannot_be_switched_off(customer, product):
    client = client_for(customer)
    response = client.put(
        f"{API}preferences/",
        {"preferences": [{"topic": "ticket.created", "channel": "off"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "ticket.created" in response.json()["fields"]
    assert not NotificationPreference.objects.exists()
    _ticket(customer, product)
    assert OutboxMessage.objects.filter(topic="ticket.created", recipient=customer.email).exists()


def test_preferences_api_lists_the_users_topics_and_saves_all_or_nothing(customer, engineer):
    client = client_for(customer)
    rows = client.get(f"{API}preferences/").json()
    topics = {row["topic"]: row for row in rows}
    assert topics["ticket.created"]["mandatory"] and topics["ticket.replied"]["channel"] == "email"
    assert "ticket.assigned" not in topics and "sla.digest" not in topics  # staff's topics
    bad = client.put(
        f"{API}preferences/",
        {
            "preferences": [
                {"topic": "ticket.replied", "channel": "off"},
                {"topic": "ticket.assigned", "channel": "off"},  # not a customer's topic
            ]
        },
        format="json",
    )
    assert bad.status_code == 400 and "ticket.assigned" in bad.json()["fields"]
    assert not NotificationPreference.objects.exists()
    for body in ({}, {"preferences": []}, {"preferences": [{"topic": "x", "channel": "fax"}]}):
        assert client.put(f"{API}preferences/", body, format="json").status_code == 400
    ok = client.put(
        f"{API}preferences/",
        {"preferences": [{"topic": "ticket.replied", "channel": "in_app"}]},
        format="json",
    )
    assert ok.status_code == 200
    assert {r["topic"]: r["channel"] for r in ok.json()}["ticket.replied"] == "in_app"
    staff = {r["topic"] for r in client_for(engineer).get(f"{API}preferences/").json()}
    assert {"ticket.assigned", "ticket.customer_replied", "sla.digest"} <= staff
    assert "ticket.replied" not in staff


def test_each_user_sees_and_marks_only_their_own(customer, other_customer, agent):
    mine = _notes(customer, 3)
    theirs = _notes(other_customer, 2)
    client = client_for(customer)
    listed = client.get(API).json()["results"]
    assert sorted(n["id"] for n in listed) == sorted(n.pk for n in mine)
    assert all(n["unread"] for n in listed)
    assert client.get(f"{API}{theirs[0].pk}/").status_code == 404
    assert client.get(f"{API}{mine[0].pk}/").status_code == 200
    response = client.post(f"{API}read/", {"ids": [theirs[0].pk, mine[0].pk]}, format="json")
    assert response.json() == {"marked": 1, "unread": 2}
    assert Notification.objects.filter(user=other_customer, read_at=None).count() == 2
    assert client.get(API, {"unread": "true"}).json()["results"][0]["id"] != mine[0].pk
    assert len(client.get(API, {"unread": "false"}).json()["results"]) == 1
    assert client.get(f"{API}unread-count/").json() == {"unread": 2, "capped": False}
    assert client.post(f"{API}read/", {"all": True}, format="json").json()["marked"] == 2
    assert unread_count(other_customer) == 2
    assert client_for(agent).get(API).json()["results"] == []


def test_bad_input_is_a_clear_400_and_anonymous_is_refused(api, customer):
    client = client_for(customer)
    for body in ({}, {"ids": [1], "all": True}, {"ids": "x"}, {"ids": [-1]}):
        response = client.post(f"{API}read/", body, format="json")
        assert response.status_code == 400, body
        assert response.json()["detail"]
    assert client.get(API, {"unread": "maybe"}).status_code == 400
    assert client.options(f"{API}preferences/").status_code < 500  # the fuzz test found a 500
    for url in (API, f"{API}unread-count/", f"{API}preferences/"):
        assert api.get(url).status_code in (401, 403)
    assert api.post(f"{API}read/", {"all": True}, format="json").status_code in (401, 403)


def test_the_list_api_has_constant_queries(customer):
    client = client_for(customer)

    def load():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(API).status_code == 200
        return len(ctx.captured_queries)

    _notes(customer, 3)
    few = load()
    _notes(customer, 30)
    assert load() == few


def test_the_unread_badge_is_capped_and_costs_one_query_without_a_count(customer):
    _notes(customer, UNREAD_CAP + 5)
    with CaptureQueriesContext(connection) as ctx:
        assert unread_count(customer) == UNREAD_CAP
    assert len(ctx.captured_queries) == 1
    assert "COUNT(" not in ctx.captured_queries[0]["sql"].upper()


def _page_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in ctx.captured_queries]


def test_the_header_shows_the_unread_count_with_one_query(client, customer):
    client.force_login(customer)
    _, before = _page_queries(client, "/accounts/notifications/preferences/")
    _notes(customer, 4)
    response, after = _page_queries(client, "/accounts/notifications/preferences/")
    assert len(after) == len(before)
    assert sum('"servicedesk_notification"' in sql for sql in after) == 1
    assert b'class="badge unread-count"' in response.content and b">4<" in response.content


def test_the_list_page_opens_and_marks_read(client, customer, other_customer):
    mine = _notes(customer, 3)
    theirs = _notes(other_customer, 1)
    client.force_login(customer)
    response, queries = _page_queries(client, "/accounts/notifications/")
    assert [n.pk for n in response.context["notifications"]] == [n.pk for n in reversed(mine)]
    _notes(customer, 20)
    assert len(_page_queries(client, "/accounts/notifications/")[1]) == len(queries)
    opened = client.post(f"/accounts/notifications/{mine[0].pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/portal/"
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert client.post(f"/accounts/notifications/{theirs[0].pk}/open/").status_code == 404
    assert client.post("/accounts/notifications/read/").status_code == 302
    assert unread_count(customer) == 0 and unread_count(other_customer) == 1
    assert client.get(f"/accounts/notifications/{mine[0].pk}/open/").status_code == 405


def test_the_preferences_page_saves_choices_and_keeps_mandatory_ones(client, customer):
    client.force_login(customer)
    page = client.get("/accounts/notifications/preferences/")
    assert page.status_code == 200 and page.context["form"].fields["ticket.created"].disabled
    chosen = {
        "ticket.replied": "in_app",
        "ticket.status_changed": "off",
        "ticket.resolved": "email",
        "survey.invitation": "in_app",
    }
    # every topic a customer may choose is on the form (other apps add theirs): send them all
    form = page.context["form"]
    data = {name: "email" for name, field in form.fields.items() if not field.disabled}
    response = client.post(
        "/accounts/notifications/preferences/",
        {**data, **chosen, "ticket.created": "off"},  # disabled: ignored
    )
    assert response.status_code == 302
    saved = dict(NotificationPreference.objects.values_list("topic", "channel"))
    assert "ticket.created" not in saved
    assert {topic: saved.get(topic) for topic in chosen} == chosen
    assert set(saved) == set(data)
    bad = client.post("/accounts/notifications/preferences/", {"ticket.replied": "fax"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_pages_need_a_sign_in(client):
    for url in ("/accounts/notifications/", "/accounts/notifications/preferences/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_is_in_chinese_for_a_chinese_user(client, customer):
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    client.force_login(customer)
    page = client.get("/accounts/notifications/preferences/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "通知设置" in page.content.decode()
