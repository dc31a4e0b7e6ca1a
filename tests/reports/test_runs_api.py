"""/api/v1/report-runs/ and /api/v1/report-schedules/: request, progress, cancel, the frozen
document, who sees what (customers 404 outside their organization), bad input, queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports.models import ReportKind, ReportRun, ReportSchedule, RunState
from reports.services import report_run_advance, report_run_request
from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

RUNS = "/api/v1/report-runs/"
SCHEDULES = "/api/v1/report-schedules/"


def body(**changes):
    today = timezone.localdate()
    data = {
        "kind": "service",
        "period_start": (today - timedelta(days=30)).isoformat(),
        "period_end": today.isoformat(),
    }
    data.update(changes)
    return data


@pytest.fixture
def data(org, other_org, team):
    now = timezone.now()
    f.TicketFactory(organization=org, team=team, created_at=now - timedelta(days=3), rating=4)
    f.TicketFactory(organization=org, created_at=now - timedelta(days=2))
    f.TicketFactory(organization=other_org, created_at=now - timedelta(days=1))


def queued_run(user, **changes):
    today = timezone.localdate()
    values = {
        "user": user,
        "kind": ReportKind.SERVICE,
        "period_start": today - timedelta(days=30),
        "period_end": today,
    }
    values.update(changes)
    return report_run_request(**values)


def test_a_manager_requests_a_report_and_polls_it_until_done(
    manager, data, django_capture_on_commit_callbacks
):
    api = client_for(manager)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api.post(RUNS, body(), format="json")
    assert response.status_code == 201, response.json()
    run = response.json()
    assert (run["state"], run["progress"], run["step"]) == ("queued", 0, "summary")
    assert run["requested_by"]["id"] == manager.pk

    report_run_advance(run["id"])  # one step, as a worker would
    detail = api.get(f"{RUNS}{run['id']}/").json()
    assert detail["state"] == "running" and 0 < detail["progress"] < 100
    assert detail["step"] == "metrics"
    assert detail["snapshot"]["summary"]["received"] == 3

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the request's own publish: eager, runs every step
            callback()
    detail = api.get(f"{RUNS}{run['id']}/").json()
    assert (detail["state"], detail["progress"]) == ("done", 100)
    assert detail["snapshot"]["groups"]["centre"]["received"] == 3


def test_cancel_through_the_api(manager, data):
    api = client_for(manager)
    run = queued_run(manager)
    response = api.post(f"{RUNS}{run.pk}/cancel", format="json")
    assert response.status_code == 200
    assert response.json()["state"] == "cancelled"
    again = api.post(f"{RUNS}{run.pk}/cancel", format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_customers_see_only_their_organizations_service_reports(
    manager, customer, other_customer, org, other_org, data
):
    own = queued_run(manager, organization=org)
    foreign = queued_run(manager, organization=other_org)
    everything = queued_run(manager)
    maintenance = queued_run(manager, organization=org, kind=ReportKind.MAINTENANCE)
    api = client_for(customer)
    listed = [r["id"] for r in api.get(RUNS).json()["results"]]
    assert listed == [own.pk]
    assert api.get(f"{RUNS}{own.pk}/").status_code == 200
    for hidden in (foreign, everything, maintenance):
        assert api.get(f"{RUNS}{hidden.pk}/").status_code == 404
        assert api.post(f"{RUNS}{hidden.pk}/cancel", format="json").status_code == 404
    # Their own organization's report, whatever they send; never the maintenance report.
    response = api.post(RUNS, body(), format="json")
    assert response.status_code == 201
    assert response.json()["organization"]["id"] == org.pk
    refused = api.post(RUNS, body(organization=other_org.pk), format="json")
    assert refused.status_code == 400 and "organization" in refused.json()["fields"]
    refused = api.post(RUNS, body(kind="maintenance"), format="json")
    assert refused.status_code == 400 and "kind" in refused.json()["fields"]
    # A customer cannot cancel a run of their organization that staff requested.
    assert api.post(f"{RUNS}{own.pk}/cancel", format="json").status_code == 403


def test_anonymous_gets_401(api, manager):
    run = queued_run(manager)
    assert api.get(RUNS).status_code == 401
    assert api.get(f"{RUNS}{run.pk}/").status_code == 401
    assert api.post(RUNS, body(), format="json").status_code == 401
    assert api.get(SCHEDULES).status_code == 401


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"kind": "weekly"}, "kind"),
        ({"period_start": "2026-13-01"}, "period_start"),
        ({"period_start": "2026-12-31", "period_end": "2026-01-01"}, "period_end"),
        ({"period_start": "2020-01-01", "period_end": "2022-01-01"}, "period_end"),
        ({"period_start": "2099-01-01", "period_end": "2099-01-02"}, "period_start"),
        ({"organization": 999999}, "organization"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_requests_are_400_with_the_field_and_write_nothing(manager, changes, field):
    response = client_for(manager).post(RUNS, body(**changes), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not ReportRun.objects.exists()


def test_list_and_detail_query_counts_do_not_grow_with_runs(manager, org, team, product):
    for _ in range(3):
        queued_run(manager, organization=org, team=team, product=product)
    api = client_for(manager)
    with CaptureQueriesContext(connection) as few:
        assert api.get(RUNS).status_code == 200
    for _ in range(10):
        queued_run(manager, organization=org, team=team, product=product)
    with CaptureQueriesContext(connection) as many:
        assert len(api.get(RUNS).json()["results"]) == 13
    assert len(many) == len(few) <= 4
    run = ReportRun.objects.first()
    with CaptureQueriesContext(connection) as detail:
        assert api.get(f"{RUNS}{run.pk}/").status_code == 200
    assert len(detail) <= 3


# --------------------------------------------------------------------------- schedules


def test_a_manager_subscribes_edits_and_deletes_a_schedule(manager, org):
    api = client_for(manager)
    response = api.post(
        SCHEDULES,
        {
            "kind": "service",
            "frequency": "month",
            "organization": org.pk,
            "recipients": ["boss@example.com", "boss@example.com"],
            "to_contacts": True,
            "language": "en",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    schedule = response.json()
    assert schedule["recipients"] == ["boss@example.com"]
    changed = api.patch(f"{SCHEDULES}{schedule['id']}/", {"frequency": "quarter"}, format="json")
    assert changed.status_code == 200 and changed.json()["frequency"] == "quarter"
    assert [s["id"] for s in api.get(SCHEDULES).json()["results"]] == [schedule["id"]]
    assert api.delete(f"{SCHEDULES}{schedule['id']}/").status_code == 204
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"recipients": ["not-an-address"]}, "recipients"),
        ({"recipients": []}, "recipients"),
        ({"frequency": "daily"}, "frequency"),
        ({"to_contacts": True, "organization": None}, "to_contacts"),
    ],
)
def test_bad_schedules_are_400_with_the_field(manager, changes, field):
    data = {"kind": "service", "frequency": "week", "recipients": ["a@example.com"]}
    data.update(changes)
    response = client_for(manager).post(SCHEDULES, data, format="json")
    assert response.status_code == 400, response.json()
    assert any(name.startswith(field) for name in response.json()["fields"])
    assert not ReportSchedule.objects.exists()


def test_schedules_are_for_managers_customers_learn_nothing(manager, customer, agent):
    schedule = ReportSchedule.objects.create(
        kind="service", frequency="week", recipients=["a@example.com"], created_by=manager
    )
    urls = [SCHEDULES, f"{SCHEDULES}{schedule.pk}/"]
    assert all(client_for(manager).get(u).status_code == 200 for u in urls)
    assert all(client_for(customer).get(u).status_code == 404 for u in urls)
    assert all(client_for(agent).get(u).status_code == 403 for u in urls)
    engineer = f.UserFactory(username="eng2", role=Role.ENGINEER)
    response = client_for(engineer).post(
        SCHEDULES, {"kind": "service", "frequency": "week"}, format="json"
    )
    assert response.status_code == 403
    assert ReportSchedule.objects.count() == 1


def test_a_finished_runs_detail_is_the_frozen_document(manager, data, org):
    run = queued_run(manager)
    while report_run_advance(run.pk):
        pass
    api = client_for(manager)
    first = api.get(f"{RUNS}{run.pk}/").json()
    f.TicketFactory.create_batch(4, organization=org)
    assert api.get(f"{RUNS}{run.pk}/").json()["snapshot"] == first["snapshot"]
    assert first["state"] == RunState.DONE
