"""List filters: an unknown or malformed id, an unknown choice, a number out of range is a 400
in the API's error shape naming the parameter, on every list of the API alike (docs/API.md,
"Filters and ordering")."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import client_for
from tickets import services

pytestmark = pytest.mark.django_db

API = "/api/v1"


def _refused(response, parameter: str) -> dict:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "invalid"
    assert parameter in body["fields"], body
    assert body["request_id"] == response["X-Request-ID"]
    return body


@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/tickets/", "organization=999999", "organization"),
        ("/tickets/", "assignee=abc", "assignee"),
        ("/tickets/", "product=1.5", "product"),
        ("/tickets/", "team=99999999999999999999", "team"),
        ("/tickets/", "status=bogus", "status"),
        ("/work-orders/", "ticket=999999", "ticket"),
        ("/work-orders/", "assignee=abc", "assignee"),
        ("/time-entries/", "work_order=abc", "work_order"),
        ("/time-entries/totals", "group_by=ticket&from=soon", "from"),
        ("/fault-log/", "version=999999", "version"),
        ("/maintenance-plans/", "contract=abc", "contract"),
        ("/installations/", "organization=999999", "organization"),
        ("/releases/", "product=abc", "product"),
        ("/contacts/", "organization=999999", "organization"),
        ("/users/", "role=wizard", "role"),
        ("/tickets/", "created_after=2026W01", "created_after"),
        ("/tickets/", "created_before=20260301", "created_before"),
        ("/fault-log/", "date_from=03/01/2026", "date_from"),
        ("/time-entries/", "date_to=2026-02-30", "date_to"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(manager, path, query, parameter):
    body = _refused(client_for(manager).get(f"{API}{path}?{query}"), parameter)
    assert parameter in body["detail"]


def test_a_customer_naming_another_organization_gets_what_an_unknown_id_gets(
    customer, other_customer
):
    api = client_for(customer)
    own = api.get(f"{API}/tickets/", {"organization": customer.organization_id})
    assert own.status_code == 200
    foreign = api.get(f"{API}/tickets/", {"organization": other_customer.organization_id})
    unknown = api.get(f"{API}/tickets/", {"organization": 999999})
    assert _refused(foreign, "organization") | {"request_id": ""} == _refused(
        unknown, "organization"
    ) | {"request_id": ""}


def test_a_known_id_filters(manager, customer, product):
    ticket = services.ticket_create(
        actor=customer, channel="portal", title="Printer", kind="fault", product=product
    )
    api = client_for(manager)
    rows = api.get(f"{API}/tickets/", {"product": product.pk}).json()["results"]
    assert [row["id"] for row in rows] == [ticket.pk]
    rows = api.get(f"{API}/tickets/", {"organization": customer.organization_id}).json()
    assert [row["id"] for row in rows["results"]] == [ticket.pk]


@pytest.mark.parametrize(
    "value", ["2026-03-01", "2026-03-01T09:30", "2026-03-01T09:30:00+08:00", "2026-03-01T01:30:00Z"]
)
def test_ticket_date_filters_take_a_date_or_an_iso_date_time(manager, value):
    assert client_for(manager).get(f"{API}/tickets/", {"created_after": value}).status_code == 200


def _is_list(operation) -> bool:
    body = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
    return "/Paginated" in body.get("schema", {}).get("$ref", "")


def _integer_query_parameters():
    """Every list operation's integer query parameters, as the schema declares them (lists:
    paginated collections; a report's scope is not a list filter)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        operation = operations.get("get")
        if operation is None or "{" in path or not _is_list(operation):
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter["schema"].get("type") == "integer":
                yield path, parameter["name"]


def test_the_schema_declares_id_filters_as_integers():
    declared = set(_integer_query_parameters())
    assert {
        ("/api/v1/tickets/", "organization"),
        ("/api/v1/work-orders/", "ticket"),
        ("/api/v1/installations/", "version"),
        ("/api/v1/contacts/", "organization"),
    } <= declared


@pytest.mark.parametrize("value", ["abc", "999999999", "-1", "99999999999999999999"])
def test_every_integer_query_parameter_of_every_list_refuses_what_is_no_known_id(manager, value):
    """A new list filter gets this check for free: whatever the app, an id that names no row,
    or is no id, is a 400 naming the parameter, never a 200 that ignored it, nor a 500."""
    api = client_for(manager)
    checked = 0
    for path, name in _integer_query_parameters():
        required = "group_by=ticket&" if path.endswith("/totals") else ""
        _refused(api.get(f"{path}?{required}{name}={value}"), name)
        checked += 1
    assert checked >= 20
