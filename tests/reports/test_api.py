"""GET /api/v1/reports/metrics/: JSON figures per role, bad input as 400, others' data 404."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for

URL = "/api/v1/reports/metrics/"
NOV = {"period": "month", "date": "2026-11"}


def test_anonymous_is_refused(desk, api):
    assert api.get(URL, NOV).status_code == 401


def test_manager_gets_every_section_as_json(desk):
    manager = f.UserFactory(role=Role.MANAGER)
    response = client_for(manager).get(URL, NOV)
    assert response.status_code == 200
    body = response.json()
    assert body["period"]["first_day"] == "2026-11-01"
    assert body["period"]["start"] == "2026-11-01T00:00:00+08:00"
    assert body["sections"]["volume"]["received"] == 5
    assert body["sections"]["first_contact"]["hotline"]["percent"] == 50.0
    assert {"work_orders", "service_hours", "appraisal", "quality", "trend"} <= set(
        body["sections"]
    )
    assert body["definitions"]["fcr_hotline"]["target"] == 70.0
    assert body["definitions"]["fcr_hotline"]["label"] == "First-contact resolution (hotline)"


def test_sections_and_scope_parameters(desk):
    manager = f.UserFactory(role=Role.MANAGER)
    response = client_for(manager).get(
        URL, {**NOV, "sections": "volume,sla", "organization": desk.org_b.pk}
    )
    body = response.json()
    assert set(body["sections"]) == {"volume", "sla"}
    assert body["scope"]["organization"] == desk.org_b.pk
    assert body["sections"]["volume"]["received"] == 2  # t4, t7


def test_chinese_definitions(desk):
    manager = f.UserFactory(role=Role.MANAGER)
    response = client_for(manager).get(
        URL, {**NOV, "sections": "volume"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()["definitions"]["fcr_hotline"]["label"] == "首次解决率（热线）"


def test_customer_sees_only_their_organization(desk):
    customer = f.CustomerFactory(organization=desk.org_a)
    client = client_for(customer)
    body = client.get(URL, NOV).json()
    assert body["scope"]["organization"] == desk.org_a.pk
    assert body["sections"]["volume"]["received"] == 3  # t1, t3, t5
    assert not {"work_orders", "service_hours", "appraisal"} & set(body["sections"])
    other = client.get(URL, {**NOV, "organization": desk.org_b.pk})
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"
    assert client.get(URL, {**NOV, "sections": "appraisal"}).status_code == 400


def test_engineer_sees_their_group_only(desk):
    client = client_for(desk.eng_a)
    body = client.get(URL, {**NOV, "sections": "volume"}).json()
    assert body["scope"]["teams"] == [desk.team_a.pk]
    assert body["sections"]["volume"]["received"] == 2
    refused = client.get(URL, {**NOV, "team": desk.team_b.pk})
    assert refused.status_code == 403
    assert "service groups" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "decade"}, "period"),
        ({"period": "month", "date": "2026-13"}, "date"),
        ({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
        ({"start": "yesterday", "end": "2026-11-01"}, "start"),
        ({"organization": "x"}, "organization"),
        ({"severity": "L7"}, "severity"),
        ({"sections": "volume,nope"}, "sections"),
        ({"start": ""}, "start"),
        ({"severity": " "}, "severity"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(desk, params, field):
    manager = f.UserFactory(role=Role.MANAGER)
    response = client_for(manager).get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_query_count_is_constant(desk):
    manager = f.UserFactory(role=Role.MANAGER)
    client = client_for(manager)
    client.get(URL, NOV)
    with CaptureQueriesContext(connection) as few:
        client.get(URL, NOV)
    for _n in range(4):
        f.TicketFactory(organization=desk.org_b, created_at=desk.tickets["t4"].created_at)
    with CaptureQueriesContext(connection) as more:
        client.get(URL, NOV)
    assert len(more) == len(few) <= 40


def test_an_unknown_parameter_is_a_400_naming_it(desk):
    manager = f.UserFactory(role=Role.MANAGER)
    response = client_for(manager).get(URL, {**NOV, "organisation": desk.org_a.pk, "x": "1"})
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"organisation", "x"}
    assert "organisation" in str(body)
    # the known ones still work, DRF's format override included
    assert client_for(manager).get(URL, {**NOV, "format": "json"}).status_code == 200


@pytest.mark.parametrize("name", ["organization", "contract", "product", "team", "engineer"])
def test_an_id_naming_nothing_is_a_400_naming_it(desk, name):
    manager = f.UserFactory(role=Role.MANAGER)
    response = client_for(manager).get(URL, {**NOV, name: 987654})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [name]


def test_a_customer_naming_another_organizations_contract_gets_the_same_400(desk):
    customer = f.CustomerFactory(organization=desk.org_a)
    theirs = f.ContractFactory(organization=desk.org_b)
    client = client_for(customer)
    other = client.get(URL, {**NOV, "contract": theirs.pk})
    missing = client.get(URL, {**NOV, "contract": 987654})
    assert other.status_code == missing.status_code == 400
    assert other.json()["fields"] == missing.json()["fields"]
    own = f.ContractFactory(organization=desk.org_a)
    assert client.get(URL, {**NOV, "contract": own.pk}).status_code == 200


def test_one_organization_is_reported_in_its_own_time_zone(desk):
    desk.org_b.time_zone = "UTC"
    desk.org_b.save()
    manager = f.UserFactory(role=Role.MANAGER)
    body = client_for(manager).get(URL, {**NOV, "organization": desk.org_b.pk}).json()
    assert body["period"]["time_zone"] == "UTC"
    assert body["period"]["start"] == "2026-11-01T00:00:00+00:00"
    assert body["sections"]["volume"]["received"] == 2  # t4, t7: November in UTC too
    everyone = client_for(manager).get(URL, NOV).json()
    assert everyone["period"]["time_zone"] == "Asia/Shanghai"
