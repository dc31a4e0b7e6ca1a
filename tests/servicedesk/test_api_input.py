"""Bad input to the API is a 4xx in the API's error shape, with a request id, and stores
nothing: deep JSON, ids that are not ASCII digits, bad paging parameters, numbers and texts
out of bounds, SLA settings that would fail at use, unsupported body types."""

from __future__ import annotations

import json

import pytest

from maintenance.models import MaintenancePlan
from servicedesk.api.serializers import TEXT_MAX
from sla import services as sla
from sla.models import BusinessCalendar, SlaPolicyVersion
from tests.conftest import client_for
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def _error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] and body["detail"]
    assert body["request_id"] == response["X-Request-ID"]
    if field is not None:
        assert field in body["fields"], body
    return body


def test_json_nested_990_levels_is_a_400_and_stores_nothing(customer):
    deep = "[" * 990 + "]" * 990
    body = '{"title": "Deep", "description": ' + deep + "}"
    before = Ticket.objects.count()
    response = client_for(customer).post(TICKETS, body, content_type="application/json")
    assert _error(response, 400)["code"] == "parse_error"
    assert Ticket.objects.count() == before


@pytest.mark.parametrize("path", ["/api/v1/work-orders/%C2%B2/", "/api/v1/tickets/null/"])
def test_ids_that_are_not_ascii_digits_are_a_json_404(manager, path):
    _error(client_for(manager).get(path), 404)


def test_an_arabic_indic_digit_is_not_the_ticket_with_that_number(customer):
    ticket = services.ticket_create(actor=customer, channel="portal", title="Printer", kind="fault")
    arabic = "".join(chr(0x0660 + int(d)) for d in str(ticket.pk))
    assert client_for(customer).get(f"{TICKETS}{ticket.pk}/").status_code == 200
    _error(client_for(customer).get(f"{TICKETS}{arabic}/"), 404)


def test_a_method_the_route_lacks_is_a_json_405(manager):
    _error(client_for(manager).delete(TICKETS), 405)


def test_a_request_id_sent_is_echoed_and_a_bad_one_replaced(manager):
    response = client_for(manager).get(TICKETS, HTTP_X_REQUEST_ID="trace-0123456789")
    assert response["X-Request-ID"] == "trace-0123456789"
    response = client_for(manager).get(TICKETS, HTTP_X_REQUEST_ID="bad id\r\n")
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=bogus", "cursor"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=201", "page_size"),
        ("page_size=10&page_size=20", "page_size"),
        ("unassigned=maybe", "unassigned"),
    ],
)
def test_bad_paging_and_typed_filters_are_400(manager, query, field):
    _error(client_for(manager).get(f"{TICKETS}?{query}"), 400, field)


def test_page_size_within_bounds_is_applied(manager, customer):
    for n in range(3):
        services.ticket_create(actor=customer, channel="portal", title=f"T{n}", kind="consultation")
    assert len(client_for(manager).get(f"{TICKETS}?page_size=2").json()["results"]) == 2


def test_free_text_is_capped_per_field(customer):
    body = {"title": "Long", "kind": "consultation", "description": "x" * (TEXT_MAX + 1)}
    response = client_for(customer).post(TICKETS, body, format="json")
    _error(response, 400, "description")
    assert not Ticket.objects.filter(title="Long").exists()


def test_dates_out_of_range_are_400(customer):
    body = {"title": "Old", "kind": "fault", "occurred_at": "0001-01-01T00:00:00Z"}
    _error(client_for(customer).post(TICKETS, body, format="json"), 400, "occurred_at")


def test_a_title_with_a_line_break_is_stored_on_one_line(customer):
    body = {"title": "Printer\r\nBcc: x@example.com", "kind": "fault"}
    response = client_for(customer).post(TICKETS, body, format="json")
    assert response.status_code == 201
    assert response.json()["title"] == "Printer Bcc: x@example.com"
    ticket = services.ticket_create(
        actor=customer, channel="portal", title="A\nB\x00C", kind="fault"
    )
    assert ticket.title == "A B C"


def _policy_body(value: int = 2, unit: str = "hours", **level) -> dict:
    calendar = "24x7"  # replaced by the calendar's id in the test
    target = {
        "response_value": 2,
        "response_unit": "hours",
        "response_calendar": calendar,
        "resolution_value": value,
        "resolution_unit": unit,
        "resolution_calendar": calendar,
    }
    return {
        "targets": [{**target, "severity": s} for s in ("L1", "L2", "L3", "L4")],
        "escalation_levels": [{"level": 1, "notify": ["manager"], **level}],
    }


def _with_calendar(body: dict) -> dict:
    calendar = BusinessCalendar.objects.get(name=sla.CALENDAR_24X7).pk
    for target in body["targets"]:
        target["response_calendar"] = target["resolution_calendar"] = calendar
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_policy_body(10**9), "targets.0.resolution_value"),
        (_policy_body(367, "business_days"), "targets.0.resolution_value"),
        (_policy_body(level=3_000_000_000), "escalation_levels.0.level"),
        (_policy_body(after_percent=3_000_000_000), "escalation_levels.0.after_percent"),
    ],
    ids=["1e9-hours", "367-days", "level-3e9", "after-3e9"],
)
def test_sla_numbers_out_of_bounds_are_400_and_store_nothing(manager, body, field):
    policy = sla.policy_ensure_default()
    body = _with_calendar(body)
    before = SlaPolicyVersion.objects.count()
    response = client_for(manager).post(
        f"/api/v1/sla/policies/{policy.pk}/versions/", body, format="json"
    )
    _error(response, 400, field)
    assert SlaPolicyVersion.objects.count() == before


def test_a_policy_within_bounds_is_accepted(manager):
    policy = sla.policy_ensure_default()
    body = _with_calendar(_policy_body(8784))
    response = client_for(manager).post(
        f"/api/v1/sla/policies/{policy.pk}/versions/", body, format="json"
    )
    assert response.status_code == 201, response.content


def test_a_calendar_without_working_time_is_refused_at_save(manager):
    body = {"name": "Never", "spec": {"timezone": "UTC", "week": {}}}
    response = client_for(manager).post("/api/v1/sla/calendars/", body, format="json")
    _error(response, 400, "spec.week")
    assert not BusinessCalendar.objects.filter(name="Never").exists()


def test_a_form_encoded_plan_is_415_not_a_plan_without_items(agent, contract):
    body = f"title=Yearly&contract={contract.pk}&starts_on=2026-01-01&ends_on=2026-12-31"
    response = client_for(agent).post(
        "/api/v1/maintenance-plans/", body, content_type="application/x-www-form-urlencoded"
    )
    _error(response, 415)
    assert not MaintenancePlan.objects.exists()


def test_a_plan_running_to_9999_is_400(agent, contract):
    body = {
        "title": "Forever",
        "contract": contract.pk,
        "starts_on": "2026-01-01",
        "ends_on": "9999-12-31",
        "items": [],
    }
    response = client_for(agent).post(
        "/api/v1/maintenance-plans/", json.dumps(body), content_type="application/json"
    )
    _error(response, 400, "ends_on")
