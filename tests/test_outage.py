"""A real outage: the app served by gunicorn (as in production) with no database at all.

``DATABASE_URL`` points at a loopback port where nothing listens. The API answers in its
error shape with a 503, pages with the plain 503 page in the visitor's language, /readyz
names the database, and /healthz still answers; each within a few seconds (the PostgreSQL
connect timeout bounds the wait where a refused connection would not).
"""

from __future__ import annotations

import json
import time

import pytest

from tests.server_support import gunicorn, http
from tests.worker_support import free_port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outage")
    env = {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/servicedesk",
        "DATABASE_CONNECT_TIMEOUT": "3",
        "CELERY_BROKER_URL": "filesystem://",
        "VAR_DIR": str(tmp / "var"),
    }
    with gunicorn(env, tmp / "gunicorn.log") as base:
        yield base


def _timed(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
    started = time.monotonic()
    answer = http(url, headers=headers)
    assert time.monotonic() - started < 5, f"{url} took too long"
    return answer


def test_liveness_answers_without_the_database(server):
    status, _headers, body = _timed(f"{server}/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})


def test_readiness_names_the_database(server):
    status, _headers, body = _timed(f"{server}/readyz")
    checks = json.loads(body)["checks"]
    assert status == 503
    assert not checks["database"]["ok"]
    assert "OperationalError" in checks["database"]["reason"]
    assert checks["broker"]["ok"]  # the embedded broker has no server
    assert checks["sla_sweep"] == {"ok": False, "reason": "database unavailable"}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        (
            {"Authorization": "Bearer sd_not-a-real-key"},
            "The service desk cannot reach its database. Try again in a minute.",
        ),
        (
            {"Cookie": "sessionid=" + "s" * 32, "Accept-Language": "zh-hans"},
            "服务台无法连接数据库，请一分钟后重试。",
        ),
    ],
    ids=["token", "session-zh"],
)
def test_the_api_answers_json_503_in_its_error_shape(server, headers, detail):
    status, response_headers, body = _timed(f"{server}/api/v1/tickets/", **headers)
    assert status == 503
    assert response_headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload.pop("request_id") == response_headers["X-Request-ID"]
    assert payload == {"code": "service_unavailable", "detail": detail}
    assert response_headers["Retry-After"] == "30"


@pytest.mark.parametrize(
    ("language", "heading"),
    [
        ("en", "The service desk is temporarily unavailable."),
        ("zh-hans", "服务台暂时无法使用。"),
    ],
)
def test_pages_answer_the_plain_503_page(server, language, heading):
    for path in ("/portal/", "/staff/"):
        status, headers, body = _timed(
            f"{server}{path}", Cookie="sessionid=" + "s" * 32, **{"Accept-Language": language}
        )
        assert status == 503, path
        assert headers["Content-Type"].startswith("text/html")
        assert heading in body
        assert "Traceback" not in body
        assert "csrf" not in body.lower()
