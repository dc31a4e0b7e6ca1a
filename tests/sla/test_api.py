"""The SLA API: calendars, policies, re-apply, and the clocks in ticket responses and lists."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sla import services as sla
from sla.models import BusinessCalendar, SlaClock, SlaPolicy
from sla.sweep import sla_sweep
from tests import factories as f
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, TicketKind

pytestmark = pytest.mark.django_db
CALENDARS = "/api/v1/sla/calendars/"
POLICIES = "/api/v1/sla/policies/"
SPEC = {
    "timezone": "Asia/Shanghai",
    "week": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]},
    "holidays": ["2026-10-01"],
    "extra_workdays": [],
}


def _ticket(actor, severity="L1", organization=None, **extra):
    return services.ticket_create(
        actor=actor,
        title="Interface timeouts",
        kind=TicketKind.FAULT,
        channel=Channel.API,
        organization=organization or f.OrganizationFactory(),
        severity=severity,
        **extra,
    )


@pytest.mark.parametrize("path", [CALENDARS, POLICIES])
def test_anonymous_and_customers_cannot_read_sla_settings(api, customer, path):
    assert api.get(path).status_code in (401, 403)
    assert client_for(customer).get(path).status_code == 403


def test_staff_read_calendars_and_policies(agent):
    sla.policy_ensure_default()
    client = client_for(agent)
    names = [c["name"] for c in client.get(CALENDARS).json()["results"]]
    assert sla.CALENDAR_24X7 in names and sla.CALENDAR_STANDARD in names
    (policy,) = client.get(POLICIES).json()["results"]
    assert policy["is_default"] and policy["current_version"]["number"] == 1
    targets = {t["severity"]: t for t in policy["current_version"]["targets"]}
    assert targets["L4"]["resolution_value"] == 7
    assert targets["L4"]["resolution_unit"] == "business_days"
    assert [lv["after_percent"] for lv in policy["current_version"]["escalation_levels"]] == [
        None,
        100,
        200,
    ]


def test_only_managers_change_calendars(agent, manager):
    assert (
        client_for(agent).post(CALENDARS, {"name": "X", "spec": SPEC}, format="json").status_code
        == 403
    )
    client = client_for(manager)
    created = client.post(CALENDARS, {"name": "Beijing office", "spec": SPEC}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["spec"]["week"] == SPEC["week"] and body["spec"]["holidays"] == ["2026-10-01"]
    path = f"{CALENDARS}{body['id']}/"
    renamed = client.patch(path, {"name": "Beijing"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["spec"]["week"] == SPEC["week"]
    assert client_for(agent).delete(path).status_code == 403
    assert client.delete(path).status_code == 204
    assert not BusinessCalendar.objects.filter(pk=body["id"]).exists()


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({**SPEC, "timezone": "Nowhere/City"}, "spec.timezone"),
        ({**SPEC, "week": {"mon": [["09:00", "25:00"]]}}, "spec.week.mon"),
        ({**SPEC, "week": {"mon": [["13:00", "18:00"], ["09:00", "14:00"]]}}, "spec.week.mon"),
        ({**SPEC, "holidays": ["2026-13-01"]}, "spec.holidays"),
        ({**SPEC, "colour": "red"}, "spec"),
    ],
)
def test_bad_calendars_are_400_naming_the_field(manager, spec, field):
    response = client_for(manager).post(CALENDARS, {"name": "Bad", "spec": spec}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "calendar_invalid"
    assert any(key.startswith(field) for key in body["fields"]), body
    assert not BusinessCalendar.objects.filter(name="Bad").exists()


def test_a_calendar_in_use_is_409_naming_its_users(manager, agent):
    _ticket(agent)
    calendar = BusinessCalendar.objects.get(name=sla.CALENDAR_24X7)
    response = client_for(manager).delete(f"{CALENDARS}{calendar.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "calendar_in_use"
    assert response.json()["policies"] == ["Default"]
    assert BusinessCalendar.objects.filter(pk=calendar.pk).exists()


def _targets(calendar_id, resolution_hours=1):
    return [
        {
            "severity": s,
            "response_value": 30,
            "response_unit": "minutes",
            "response_calendar": calendar_id,
            "resolution_value": resolution_hours,
            "resolution_unit": "hours",
            "resolution_calendar": calendar_id,
        }
        for s in ("L1", "L2", "L3", "L4")
    ]


def test_a_new_version_by_api_then_reapplied_to_open_tickets(manager, agent):
    policy = sla.policy_ensure_default()
    old = _ticket(agent, "L3")
    h24 = BusinessCalendar.objects.get(name=sla.CALENDAR_24X7).pk
    body = {"note": "faster", "targets": _targets(h24, 8), "escalation_levels": sla.DEFAULT_LEVELS}
    assert (
        client_for(agent).post(f"{POLICIES}{policy.pk}/versions/", body, format="json").status_code
        == 403
    )
    created = client_for(manager).post(f"{POLICIES}{policy.pk}/versions/", body, format="json")
    assert created.status_code == 201 and created.json()["number"] == 2
    assert SlaClock.objects.get(ticket=old, kind="resolution").policy_version.number == 1

    reapply = f"/api/v1/sla/policies/{policy.pk}/reapply"
    assert client_for(agent).post(reapply).status_code == 403
    response = client_for(manager).post(reapply)
    assert response.status_code == 200 and response.json() == {"tickets": 1}
    clock = SlaClock.objects.get(ticket=old, kind="resolution")
    assert clock.policy_version.number == 2 and clock.target_minutes == 480
    assert clock.due_at == clock.started_at + dt.timedelta(hours=8)
    old.refresh_from_db()
    assert old.resolution_due_at == clock.due_at
    assert old.events.filter(data__field="sla_policy", actor=manager).exists()
    assert client_for(manager).post(reapply).json() == {"tickets": 0}
    versions = client_for(agent).get(f"{POLICIES}{policy.pk}/versions/").json()
    assert [v["number"] for v in versions] == [2, 1]


def test_bad_policy_versions_are_400_and_write_nothing(manager):
    policy = sla.policy_ensure_default()
    body = {
        "targets": [{**_targets(999999)[0], "response_value": 0}],
        "escalation_levels": [{"level": 1, "notify": ["the_cat"]}],
    }
    response = client_for(manager).post(f"{POLICIES}{policy.pk}/versions/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    # the body's shape first (each field named), then the policy's rules
    assert {"targets.0.response_value", "escalation_levels.0.notify.0"} <= set(fields)
    body["targets"][0]["response_value"] = 2
    body["escalation_levels"][0]["notify"] = ["manager"]
    response = client_for(manager).post(f"{POLICIES}{policy.pk}/versions/", body, format="json")
    assert response.status_code == 400
    assert {"targets.0.response_calendar", "targets"} <= set(response.json()["fields"])
    assert policy.versions.count() == 1


def test_a_manager_creates_a_policy_and_a_contract_uses_it(manager, agent, org, product, contract):
    h24 = sla.policy_ensure_default() and BusinessCalendar.objects.get(name=sla.CALENDAR_24X7).pk
    body = {"name": "Gold", "targets": _targets(h24), "escalation_levels": sla.DEFAULT_LEVELS}
    response = client_for(manager).post(POLICIES, body, format="json")
    assert response.status_code == 201 and response.json()["current_version"]["number"] == 1
    assert client_for(manager).post(POLICIES, body, format="json").status_code == 400  # name used
    from sla.models import ContractPolicy

    ContractPolicy.objects.create(contract=contract, policy=SlaPolicy.objects.get(name="Gold"))
    ticket = _ticket(agent, "L4", organization=org, product=product)
    assert SlaClock.objects.get(ticket=ticket, kind="resolution").target_minutes == 60


def test_only_managers_create_policies_and_others_learn_no_names(manager, agent):
    """The permission comes first: a non-manager gets 403 for a taken name as for a new one."""
    h24 = sla.policy_ensure_default() and BusinessCalendar.objects.get(name=sla.CALENDAR_24X7).pk
    body = {
        "name": sla.DEFAULT_POLICY_NAME,
        "targets": _targets(h24),
        "escalation_levels": sla.DEFAULT_LEVELS,
    }
    assert client_for(agent).post(POLICIES, body, format="json").status_code == 403
    fresh = {**body, "name": "Platinum"}
    assert client_for(agent).post(POLICIES, fresh, format="json").status_code == 403
    assert client_for(manager).post(POLICIES, body, format="json").status_code == 400
    assert client_for(manager).post(POLICIES, fresh, format="json").status_code == 201


def test_ticket_detail_shows_clocks_with_remaining_time_and_explanation(customer, product):
    ticket = services.ticket_create(
        actor=customer, title="Login fails", kind=TicketKind.FAULT, channel=Channel.PORTAL
    )
    body = client_for(customer).get(f"/api/v1/tickets/{ticket.pk}/").json()
    clocks = {c["kind"]: c for c in body["sla"]}
    assert set(clocks) == {"response", "resolution"}
    response = clocks["response"]
    assert response["state"] == "running" and response["target_minutes"] == 120
    assert 119 <= response["remaining_minutes"] <= 120
    assert response["explanation"][0]["kind"] == "started"
    assert body["sla_due_at"] is not None


def test_customers_of_another_organization_get_404_for_the_clocks(customer, other_customer):
    ticket = services.ticket_create(
        actor=customer, title="Login fails", kind=TicketKind.FAULT, channel=Channel.PORTAL
    )
    assert client_for(other_customer).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404


def test_list_filters_breached_and_breaching_within_and_sorts_by_deadline(agent, engineer):
    soon = _ticket(agent, "L1")  # due in 2 h
    later = _ticket(agent, "L2")  # due in 2 h (response) too, resolution 4 h
    services.comment_add(later, actor=engineer, body="On it.")  # response met: next due 4 h
    resolved = _ticket(agent, "L1")
    services.ticket_transition(
        resolved, actor=engineer, to_status="resolved", comment="Fixed by restart."
    )
    client = client_for(agent)

    def numbers(query):
        response = client.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.json()
        return [row["number"] for row in response.json()["results"]]

    assert numbers("ordering=sla_due_at") == [soon.number, later.number]
    assert numbers("breaching_within=3") == [soon.number]
    assert set(numbers("breaching_within=5")) == {soon.number, later.number}
    assert numbers("sla_breached=true") == []
    sla_sweep(now=timezone.now() + dt.timedelta(hours=3))
    assert numbers("sla_breached=true") == [soon.number]
    assert soon.number not in numbers("sla_breached=false")


@pytest.mark.parametrize(
    "query", ["breaching_within=-1", "breaching_within=abc", "sla_breached=maybe"]
)
def test_bad_sla_filters_are_400(agent, query):
    response = client_for(agent).get(f"/api/v1/tickets/?{query}")
    assert response.status_code == 400
