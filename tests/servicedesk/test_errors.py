"""Unhandled errors: JSON in the API's shape under /api/, a standalone page elsewhere, and a
503 (not a 500) when the database cannot be reached. tests/test_outage.py does the same
against a running server with no database at all."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError
from django.test import Client
from rest_framework.test import APIClient

from servicedesk.api.authentication import ApiTokenAuthentication
from tickets.api.views import TicketViewSet

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"
UNAVAILABLE_EN = "The service desk is temporarily unavailable."
UNAVAILABLE_ZH = "服务台暂时无法使用。"


def _raise(exc):
    def fail(*args, **kwargs):
        raise exc

    return fail


@pytest.fixture
def database_gone(monkeypatch):
    """The first thing a request reads from the database (its session) fails."""
    monkeypatch.setattr(SessionStore, "load", _raise(OperationalError("connection refused")))


def session_client(client_class=Client) -> Client:
    client = client_class(raise_request_exception=False)
    client.cookies["sessionid"] = "s" * 32
    return client


def test_api_answers_a_lost_database_with_json_503(database_gone):
    response = session_client(APIClient).get(LIST)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    payload = response.json()
    assert payload.pop("request_id") == response["X-Request-ID"]
    assert payload == {
        "code": "service_unavailable",
        "detail": "The service desk cannot reach its database. Try again in a minute.",
    }


def test_api_errors_raised_inside_drf_views_get_the_same_shape(monkeypatch):
    monkeypatch.setattr(
        ApiTokenAuthentication, "authenticate", _raise(InterfaceError("connection already closed"))
    )
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Bearer sd_whatever")
    response = client.get(LIST, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert response.json()["detail"] == "服务台无法连接数据库，请一分钟后重试。"


def test_any_other_unhandled_api_error_is_a_json_500_without_traceback(monkeypatch, manager):
    monkeypatch.setattr(TicketViewSet, "list", _raise(RuntimeError("secret internals")))
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(manager)
    response = client.get(LIST)
    assert response.status_code == 500
    payload = response.json()
    assert payload.pop("request_id") == response["X-Request-ID"]
    assert payload == {"code": "server_error", "detail": "A server error occurred."}
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert "Retry-After" not in response


@pytest.mark.parametrize(
    ("language", "heading"), [("en", UNAVAILABLE_EN), ("zh-hans", UNAVAILABLE_ZH)]
)
def test_pages_answer_a_lost_database_with_a_plain_503_page(database_gone, language, heading):
    response = session_client().get("/portal/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert heading in text
    assert f'<html lang="{language}">' in text
    assert "Traceback" not in text


def test_other_page_errors_get_the_plain_500_page(monkeypatch, manager):
    from django.contrib.auth.middleware import AuthenticationMiddleware

    monkeypatch.setattr(AuthenticationMiddleware, "process_request", _raise(KeyError("x")))
    response = Client(raise_request_exception=False).get("/portal/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 500
    assert "我们这边出了问题。" in response.content.decode()


def test_healthz_answers_while_the_database_is_gone(database_gone):
    assert Client().get("/healthz").status_code == 200


def test_postgresql_connections_give_up_after_the_connect_timeout(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    assert settings.DATABASES["default"]["OPTIONS"]["connect_timeout"] == 5
