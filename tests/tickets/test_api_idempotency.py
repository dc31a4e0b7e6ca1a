"""Idempotency-Key on API POSTs: replays, conflicting bodies, per-owner keys."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from servicedesk.choices import TokenScope
from servicedesk.services import api_token_create
from tests.conftest import client_for
from tickets.models import Attachment, Comment, Ticket

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


@pytest.fixture
def body(product):
    return {"kind": "fault", "title": "Printer", "product": product.pk}


def test_retry_returns_first_response_without_duplicate(customer, body):
    client = client_for(customer)
    first = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1


def test_same_key_different_body_is_422(customer, body):
    client = client_for(customer)
    client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = client.post(
        LIST, {**body, "title": "Scanner"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_keys_are_per_owner(customer, other_customer, product, other_contract, body):
    first = client_for(customer).post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    second = client_for(other_customer).post(
        LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert second.json()["organization"]["name"] == "Other Bank"


def test_tokens_of_one_user_have_separate_keys(customer, body):
    _, key_a = api_token_create(name="a", user=customer, scope=TokenScope.WRITE, created_by=None)
    _, key_b = api_token_create(name="b", user=customer, scope=TokenScope.WRITE, created_by=None)
    from rest_framework.test import APIClient

    for key in (key_a, key_b):
        response = APIClient().post(
            LIST,
            body,
            format="json",
            HTTP_AUTHORIZATION=f"Bearer {key}",
            HTTP_IDEMPOTENCY_KEY="same",
        )
        assert response.status_code == 201
    assert Ticket.objects.count() == 2


def test_no_key_means_no_dedup(customer, body):
    client = client_for(customer)
    client.post(LIST, body, format="json")
    client.post(LIST, body, format="json")
    assert Ticket.objects.count() == 2


def test_errors_are_replayed_too(customer, product):
    client = client_for(customer)
    bad = {"kind": "nope", "title": "x"}
    assert client.post(LIST, bad, format="json", HTTP_IDEMPOTENCY_KEY="e").status_code == 400
    again = client.post(LIST, bad, format="json", HTTP_IDEMPOTENCY_KEY="e")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"


def test_overlong_key_is_400(customer, body):
    response = client_for(customer).post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_comment_and_transition_replay(customer, engineer, body):
    ticket_id = client_for(customer).post(LIST, body, format="json").json()["id"]
    staff = client_for(engineer)
    path = f"/api/v1/tickets/{ticket_id}/comments/"
    for _ in range(2):
        response = staff.post(path, {"body": "On it"}, format="json", HTTP_IDEMPOTENCY_KEY="c")
        assert response.status_code == 201
    assert Comment.objects.count() == 1
    path = f"/api/v1/tickets/{ticket_id}/transition"
    responses = [
        staff.post(path, {"status": "accepted"}, format="json", HTTP_IDEMPOTENCY_KEY="t")
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [200, 200]
    assert responses[1]["Idempotent-Replayed"] == "true"


def test_multipart_upload_replay(customer, body):
    ticket_id = client_for(customer).post(LIST, body, format="json").json()["id"]
    client = client_for(customer)
    path = f"/api/v1/tickets/{ticket_id}/attachments/"
    for content in (b"same", b"same"):
        response = client.post(
            path,
            {"file": SimpleUploadedFile("a.txt", content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="u",
        )
        assert response.status_code == 201
    assert Attachment.objects.count() == 1
    response = client.post(
        path,
        {"file": SimpleUploadedFile("a.txt", b"other")},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="u",
    )
    assert response.status_code == 422
