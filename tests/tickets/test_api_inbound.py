"""``POST /api/v1/inbound-mail/``: the mail gateway's endpoint."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from servicedesk.choices import Role, TokenScope
from servicedesk.services import api_token_create
from tests import factories as f
from tests.conftest import client_for
from tickets.models import Comment, InboundMessage, Ticket

from .inbound_support import raw_mail

pytestmark = pytest.mark.django_db

URL = "/api/v1/inbound-mail/"
RFC822 = "message/rfc822"


@pytest.fixture
def gateway(db):
    user = f.UserFactory(username="mail-gateway", role=Role.AGENT)
    user.user_permissions.add(Permission.objects.get(codename="submit_inbound_mail"))
    return user


def bearer(user, scope=TokenScope.WRITE) -> APIClient:
    key = api_token_create(name="gw", user=user, scope=scope, created_by=None)[1]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def post(client: APIClient, raw: bytes, content_type: str = RFC822):
    return client.generic("POST", URL, raw, content_type=content_type)


def test_a_gateway_posts_a_mail_and_gets_the_ticket(gateway, customer):
    client = bearer(gateway)
    raw = raw_mail(message_id="<gw1@customer.example>")
    response = post(client, raw)
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["outcome"] == "created" and body["ticket"] == ticket.number
    assert body["message_id"] == "gw1@customer.example" and body["duplicate"] is False
    again = post(client, raw)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["ticket"] == ticket.number and Ticket.objects.count() == 1


def test_a_reply_through_the_gateway(gateway, customer):
    client = bearer(gateway)
    number = post(client, raw_mail()).json()["ticket"]
    body = post(client, raw_mail(subject=f"Re: [{number}] x", text="Thanks")).json()
    assert body["outcome"] == "replied" and body["ticket"] == number
    assert Comment.objects.get().body == "Thanks"


def test_held_and_ignored_outcomes_are_answered(gateway, customer):
    client = bearer(gateway)
    held = post(client, raw_mail(sender="who@elsewhere.example")).json()
    assert (held["outcome"], held["reason"], held["ticket"]) == ("held", "unknown_sender", None)
    ignored = post(client, raw_mail(headers={"Auto-Submitted": "auto-replied"})).json()
    assert (ignored["outcome"], ignored["reason"]) == ("ignored", "auto_submitted")


def test_over_the_size_limit_is_413(gateway, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 1_000
    response = post(bearer(gateway), raw_mail(text="x" * 3_000))
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not InboundMessage.objects.exists()


def test_other_content_types_are_415(gateway):
    client = bearer(gateway)
    response = client.post(URL, {"raw": "From: a@b.c"}, format="json")
    assert response.status_code == 415 and "code" in response.json()
    response = post(client, raw_mail(), content_type="text/plain")
    assert response.status_code == 415


@pytest.mark.parametrize("raw", [b"", b"not a mail", b"\xff\xfe\x00garbage\r\n\r\n"])
def test_unparseable_bytes_are_400(gateway, raw):
    response = post(bearer(gateway), raw)
    assert response.status_code == 400
    assert response.json()["code"] == "unparseable_mail"


def test_anonymous_is_401(db):
    assert post(APIClient(), raw_mail()).status_code == 401


def test_staff_without_the_permission_is_403_and_customers_404(agent, manager, customer):
    assert post(client_for(agent), raw_mail()).status_code == 403
    assert post(client_for(manager), raw_mail()).status_code == 403
    assert post(client_for(customer), raw_mail()).status_code == 404
    assert not InboundMessage.objects.exists()


def test_a_read_only_token_may_not_post(gateway):
    response = post(bearer(gateway, TokenScope.READ), raw_mail())
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


def test_one_post_costs_a_bounded_number_of_queries(
    gateway, customer, django_assert_max_num_queries
):
    client = bearer(gateway)
    post(client, raw_mail())  # warm caches (token, content types)
    with django_assert_max_num_queries(45):
        assert post(client, raw_mail()).status_code == 201
