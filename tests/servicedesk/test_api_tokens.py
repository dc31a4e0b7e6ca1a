"""Token authentication for the API: Bearer keys, scopes, revocation, the issuing command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from servicedesk.choices import TokenScope
from servicedesk.models import ApiToken
from servicedesk.services import api_token_create, api_token_revoke
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def write_key(customer):
    return api_token_create(name="erp", user=customer, scope=TokenScope.WRITE, created_by=None)[1]


@pytest.fixture
def read_key(customer):
    return api_token_create(name="bi", user=customer, scope=TokenScope.READ, created_by=None)[1]


def test_write_token_reads_and_writes(write_key, product):
    client = bearer(write_key)
    assert client.get(LIST).status_code == 200
    response = client.post(
        LIST, {"kind": "fault", "title": "x", "product": product.pk}, format="json"
    )
    assert response.status_code == 201
    assert ApiToken.objects.get().last_used_at is not None


def test_read_token_may_only_get(read_key, customer, product):
    client = bearer(read_key)
    assert client.get(LIST).status_code == 200
    response = client.post(
        LIST, {"kind": "fault", "title": "x", "product": product.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Ticket.objects.exists()
    from tests.factories import TicketFactory

    ticket = TicketFactory(organization=customer.organization)
    assert client.patch(f"{LIST}{ticket.pk}/", {"title": "y"}, format="json").status_code == 403
    for action in ("transition", "confirm", "assign", "triage"):
        response = client.post(f"{LIST}{ticket.pk}/{action}", {}, format="json")
        assert response.status_code == 403, action
    assert client.post(f"{LIST}{ticket.pk}/comments/", {"body": "x"}).status_code == 403
    assert client.post("/api/v1/tickets/bulk-assign", {}, format="json").status_code == 403


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer", "Bearer a b", "Token sd_wrong"])
def test_bad_tokens_are_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoked_token_is_401(write_key):
    api_token_revoke(ApiToken.objects.get())
    assert bearer(write_key).get(LIST).status_code == 401


def test_token_of_deactivated_user_is_401(write_key, customer):
    customer.is_active = False
    customer.save()
    assert bearer(write_key).get(LIST).status_code == 401


# Tokens are cached per process for a few seconds (servicedesk.api.authentication).


def test_revocation_takes_effect_at_once_in_the_same_process(write_key):
    client = bearer(write_key)
    assert client.get(LIST).status_code == 200  # the token is now cached
    api_token_revoke(ApiToken.objects.get())
    assert client.get(LIST).status_code == 401


def test_revocation_by_another_process_takes_effect_when_the_cache_expires(write_key, monkeypatch):
    from servicedesk.api import authentication

    now = [1000.0]
    monkeypatch.setattr(authentication, "_clock", lambda: now[0])
    client = bearer(write_key)
    assert client.get(LIST).status_code == 200
    # Another process revokes: nothing clears this process's cache...
    ApiToken.objects.update(revoked_at=timezone.now())
    now[0] += authentication.TOKEN_CACHE_SECONDS - 0.5
    assert client.get(LIST).status_code == 200
    # ...but the entry expires after TOKEN_CACHE_SECONDS (a few seconds at most).
    assert authentication.TOKEN_CACHE_SECONDS <= 5
    now[0] += 1
    assert client.get(LIST).status_code == 401


def test_cached_token_of_deactivated_or_deleted_user_is_401(write_key, read_key, customer):
    client = bearer(write_key)
    assert client.get(LIST).status_code == 200
    customer.is_active = False
    customer.save()
    assert client.get(LIST).status_code == 401
    customer.is_active = True
    customer.save()
    assert client.get(LIST).status_code == 200
    ApiToken.objects.get(name="erp").delete()
    assert client.get(LIST).status_code == 401
    assert bearer(read_key).get(LIST).status_code == 200


def test_scope_change_of_a_cached_token_applies_at_once(write_key):
    client = bearer(write_key)
    assert client.get(LIST).status_code == 200
    token = ApiToken.objects.get()
    token.scope = TokenScope.READ
    token.save()
    response = client.post(LIST, {"kind": "fault", "title": "x"}, format="json")
    assert response.status_code == 403


def test_cached_token_costs_no_query_and_still_records_use(
    write_key, customer, django_assert_num_queries, monkeypatch
):
    client = bearer(write_key)
    assert client.get(LIST).status_code == 200
    first_use = ApiToken.objects.get().last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):  # the page query only: no token look-up
        assert client.get(LIST).status_code == 200
    # Still cached two minutes later (the clock of the cache is frozen here): the last-use
    # time is written again, once, then not again within the minute.
    from servicedesk.api import authentication

    monkeypatch.setattr(authentication, "_clock", lambda: 0.0)
    authentication.forget_tokens()
    assert client.get(LIST).status_code == 200
    later = first_use + timedelta(minutes=2)
    monkeypatch.setattr(authentication.timezone, "now", lambda: later)
    with django_assert_num_queries(2):  # the last-use update and the page query
        assert client.get(LIST).status_code == 200
    assert ApiToken.objects.get().last_used_at == later
    with django_assert_num_queries(1):
        assert client.get(LIST).status_code == 200


def test_token_sees_what_its_user_sees(write_key, other_org):
    from tests.factories import TicketFactory

    theirs = TicketFactory(organization=other_org)
    client = bearer(write_key)
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert client.get(LIST).json()["results"] == []


def test_command_prints_key_once_and_stores_hash(customer):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token",
        "--user",
        "cust",
        "--name",
        "ERP",
        "--scope",
        "write",
        stdout=out,
        stderr=err,
    )
    key = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert key.startswith("sd_") and token.scope == "write" and token.name == "ERP"
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert "cannot be shown again" in err.getvalue()
    assert bearer(key).get(LIST).status_code == 200


def test_command_rejects_unknown_user_and_scope(db):
    with pytest.raises(CommandError):
        call_command("create_api_token", "--user", "ghost", "--name", "x")
    with pytest.raises(CommandError):
        call_command("create_api_token", "--user", "ghost", "--name", "x", "--scope", "admin")
    assert not ApiToken.objects.exists()
