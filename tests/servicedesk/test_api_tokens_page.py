"""API tokens on one's own page: created for oneself, the secret shown once, revoked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from servicedesk.choices import Role
from servicedesk.models import ApiToken
from tests import factories as f

pytestmark = pytest.mark.django_db

PAGE = reverse("api_tokens")


def test_create_use_and_revoke_a_token(client, customer):
    client.force_login(customer)
    response = client.post(PAGE, {"name": "ERP connector", "scope": "read"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = re.search(r'id="token-secret">(sd_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get(name="ERP connector")
    assert token.user == customer and token.created_by == customer
    assert secret not in client.get(PAGE).content.decode()  # shown once
    api = "/api/v1/tickets/"
    from rest_framework.test import APIClient

    assert APIClient().get(api, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    revoke = reverse("api_token_revoke", kwargs={"pk": token.pk})
    assert client.post(revoke).status_code == 302
    assert APIClient().get(api, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_bad_input_and_other_users_tokens(client, customer):
    client.force_login(customer)
    assert client.post(PAGE, {"name": "", "scope": "root"}).status_code == 400
    assert not ApiToken.objects.exists()
    other = f.UserFactory(role=Role.ENGINEER)
    client.force_login(other)
    client.post(PAGE, {"name": "mine", "scope": "write"})
    theirs = ApiToken.objects.get(name="mine")
    client.force_login(customer)
    assert "mine" not in client.get(PAGE).content.decode()
    revoke = reverse("api_token_revoke", kwargs={"pk": theirs.pk})
    assert client.post(revoke).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    client.logout()
    assert client.get(PAGE).status_code == 302
