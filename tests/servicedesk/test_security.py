"""Abuse resistance: API limits, sign-in lockout, password reset without enumeration, the
Content-Security-Policy, and API docs that need no internet."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from servicedesk.models import OutboxMessage
from servicedesk.security import login_cooloff
from tests import factories as f
from tests.conftest import client_for

ROOT = Path(__file__).resolve().parents[2]
TICKETS = "/api/v1/tickets/"


@pytest.fixture
def limits(settings):
    cache.clear()
    settings.API_THROTTLE_RATES = {
        "anonymous": "3/minute",
        "read": "50/minute",
        "write": "6/minute",
        "customer_write": "2/minute",
    }
    yield settings.API_THROTTLE_RATES
    cache.clear()


def ticket_body(product) -> dict:
    return {
        "kind": "consultation",
        "title": "How do I export?",
        "description": "The export button is greyed out.",
        "product": product.pk,
    }


# --------------------------------------------------------------------------- API limits


@pytest.mark.django_db
def test_a_customer_over_the_write_limit_gets_429_with_retry_after(limits, customer, product):
    api = client_for(customer)
    statuses = [
        api.post(TICKETS, ticket_body(product), format="json").status_code for _ in range(3)
    ]
    assert statuses == [201, 201, 429]
    response = api.post(TICKETS, ticket_body(product), format="json")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"
    assert response.json()["detail"]
    assert api.get(TICKETS).status_code == 200  # reads have their own, higher limit


@pytest.mark.django_db
def test_staff_writes_have_a_higher_limit_and_users_are_counted_apart(
    limits, customer, other_customer, product, agent
):
    for _ in range(2):
        client_for(customer).post(TICKETS, ticket_body(product), format="json")
    other = client_for(other_customer).post(TICKETS, ticket_body(product), format="json")
    assert other.status_code == 201  # one customer's limit is not another's
    staff = client_for(agent)
    codes = [staff.get(TICKETS).status_code for _ in range(3)]
    assert codes == [200, 200, 200]


@pytest.mark.django_db
def test_token_guessing_is_limited_per_address(limits, customer):
    guesser = Client(REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer sd_guess")
    codes = [guesser.get(TICKETS).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    refused = guesser.get(TICKETS)
    assert refused.json()["code"] == "throttled" and int(refused["Retry-After"]) > 0
    assert Client(REMOTE_ADDR="203.0.113.8").get(TICKETS).status_code == 401  # per address
    assert client_for(customer).get(TICKETS).status_code == 200  # signed-in users unaffected


@pytest.mark.django_db
def test_an_empty_rate_switches_a_limit_off(limits, customer, product):
    limits["customer_write"] = None
    api = client_for(customer)
    codes = {api.post(TICKETS, ticket_body(product), format="json").status_code for _ in range(4)}
    assert codes == {201}


# --------------------------------------------------------------------------- sign-in lockout


def sign_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_wrong_passwords_lock_the_account_even_for_the_right_password(settings):
    user = f.UserFactory(username="wang.fang")
    client = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wang.fang", "wrong").status_code == 200  # the form again
    assert sign_in(client, "wang.fang", "wrong").status_code == 429  # the last one locks
    locked = sign_in(client, "wang.fang", f.PASSWORD)
    assert locked.status_code == 429
    assert "Sign-in locked" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # per account: from another address too
    elsewhere = sign_in(Client(REMOTE_ADDR="198.51.100.2"), "wang.fang", f.PASSWORD)
    assert elsewhere.status_code == 429
    # the record: who, from where, when
    failures = AccessFailureLog.objects.filter(username=user.username).order_by("attempt_time")
    assert failures.count() == settings.AXES_FAILURE_LIMIT + 2  # the tries while locked too
    assert failures.first().ip_address == "198.51.100.1"
    assert failures.last().locked_out and failures.last().ip_address == "198.51.100.2"


@pytest.mark.django_db
def test_one_address_guessing_many_accounts_is_locked(settings):
    f.UserFactory(username="zhao.lei")
    client = Client(REMOTE_ADDR="198.51.100.9")
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guess{i}", "wrong")
    assert sign_in(client, "zhao.lei", f.PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_successful_sign_in_under_the_limit_resets_the_count(settings):
    f.UserFactory(username="li.na")
    client = Client(REMOTE_ADDR="198.51.100.3")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "li.na", "wrong")
    assert sign_in(client, "li.na", f.PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="li.na").exists()


@pytest.mark.django_db
def test_each_further_lockout_within_a_day_lasts_twice_as_long(settings, rf):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_LOCKOUT_MINUTES = 15
    request = rf.post("/accounts/login/", {"username": "chen.jie"})
    request.axes_ip_address = "192.0.2.5"

    def fail(count: int, hours_ago: float = 0) -> None:
        at = timezone.now() - timedelta(hours=hours_ago)
        for _ in range(count):
            row = AccessFailureLog.objects.create(
                username="chen.jie", ip_address="192.0.2.5", user_agent="t", attempt_time=at
            )
            AccessFailureLog.objects.filter(pk=row.pk).update(attempt_time=at)

    fail(5)
    assert login_cooloff(request) == timedelta(minutes=15)
    fail(5)
    assert login_cooloff(request) == timedelta(minutes=30)
    fail(10)
    assert login_cooloff(request) == timedelta(minutes=120)
    AccessFailureLog.objects.update(attempt_time=timezone.now() - timedelta(days=2))
    fail(5)
    assert login_cooloff(request) == timedelta(minutes=15)  # older failures are forgiven


# --------------------------------------------------------------------------- passwords


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password():
    user = f.UserFactory(username="sun.li", email="sun.li@example.com")
    page = Client().post("/accounts/password/reset/", {"email": "sun.li@example.com"})
    assert page.status_code == 302 and page["Location"] == "/accounts/password/reset/sent/"
    mail = OutboxMessage.objects.get(topic="account.password_reset")
    assert mail.recipient == "sun.li@example.com"
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.payload["body"]).group(1)
    client = Client()
    form = client.get(link, follow=True)
    assert "new_password1" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Kaishi-2026-new", "new_password2": "Kaishi-2026-new"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Kaishi-2026-new")
    assert client.get(link, follow=True).context["validlink"] is False  # the link works once


@pytest.mark.django_db
def test_password_reset_does_not_tell_whether_an_address_has_an_account():
    f.UserFactory(username="known", email="known@example.com")
    known = Client().post("/accounts/password/reset/", {"email": "known@example.com"})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert OutboxMessage.objects.filter(recipient="nobody@example.com").count() == 0
    sent = Client().get(unknown["Location"])
    assert "If the address belongs to an account" in sent.content.decode()


@pytest.mark.django_db
def test_password_reset_mail_and_pages_in_chinese():
    f.UserFactory(username="zhou.min", email="zhou.min@example.com")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    page = client.get("/accounts/password/reset/")
    assert "重置密码" in page.content.decode()
    client.post("/accounts/password/reset/", {"email": "zhou.min@example.com"})
    mail = OutboxMessage.objects.get(topic="account.password_reset")
    assert mail.payload["language"] == "zh-hans"
    assert "新密码" in mail.payload["subject"] + mail.payload["body"]


@pytest.mark.django_db
def test_a_signed_in_user_changes_the_password(client):
    user = f.UserFactory(username="he.yu")
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": f.PASSWORD,
            "new_password1": "Another-pass-2026",
            "new_password2": "Another-pass-2026",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-pass-2026")
    assert Client().get("/accounts/password/change/").status_code == 302  # sign in first


# --------------------------------------------------------------------------- CSP and docs


@pytest.mark.django_db
def test_every_page_has_a_content_security_policy_without_inline_script(client):
    user = f.UserFactory(username="agent.csp", role="agent")
    client.force_login(user)
    policy = client.get("/staff/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "Content-Security-Policy" in Client().get("/accounts/login/")


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style[\s>]|\son[a-z]+\s*=|javascript:", re.IGNORECASE
)


def test_no_template_has_inline_script_style_or_event_handlers():
    standalone = {"500.html", "503.html"}  # no static files there; the error view allows it
    found = []
    for path in (ROOT / "templates").rglob("*.html"):
        if path.name in standalone:
            continue
        for match in INLINE.finditer(path.read_text()):
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []


@pytest.mark.django_db
def test_the_api_docs_load_nothing_from_the_internet(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert any("swagger-ui-bundle" in a for a in assets)
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    script = re.search(r"<script src=\"([^\"]+)\"></script>\s*</body>", html)
    assert script and not script.group(1).startswith("/static/")  # the page's own settings
    assert client.get(script.group(1)).status_code == 200
