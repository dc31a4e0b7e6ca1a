"""SLA clocks as the ticket services drive them, and the sweep that enforces them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from servicedesk.errors import Conflict, NotAllowed, ValidationFailed
from servicedesk.models import OutboxMessage
from sla import services as sla
from sla.models import (
    BusinessCalendar,
    ClockState,
    ContractPolicy,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
)
from sla.selectors import clock_explanation, remaining_minutes
from sla.sweep import sla_sweep
from tests import factories as f
from tickets import services
from tickets.choices import Channel, TicketKind, TicketStatus

pytestmark = pytest.mark.django_db
H = dt.timedelta(hours=1)


def _ticket(actor, severity="L1", **extra):
    return services.ticket_create(
        actor=actor,
        title="Core banking down",
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=extra.pop("organization", None) or f.OrganizationFactory(),
        severity=severity,
        **extra,
    )


def _clock(ticket, kind):
    return SlaClock.objects.select_related("calendar").get(ticket=ticket, kind=kind)


def test_a_new_ticket_gets_both_clocks_from_the_default_policy(agent):
    ticket = _ticket(agent, "L2")
    response, resolution = _clock(ticket, "response"), _clock(ticket, "resolution")
    assert response.target_minutes == 120 and resolution.target_minutes == 240
    assert response.calendar.name == resolution.calendar.name == sla.CALENDAR_24X7
    assert response.due_at == ticket.created_at + 2 * H
    assert resolution.due_at == ticket.created_at + 4 * H
    assert resolution.warn_at == ticket.created_at + 3 * H  # 75 %
    assert ticket.response_due_at == response.due_at
    assert ticket.resolution_due_at == resolution.due_at
    assert ticket.sla_due_at == response.due_at  # the earliest running deadline
    assert {c.state for c in (response, resolution)} == {ClockState.RUNNING}
    assert response.policy_version.policy.is_default


def test_l4_is_seven_business_days_on_the_standard_calendar(agent):
    ticket = _ticket(agent, "L4")
    clock = _clock(ticket, "resolution")
    assert clock.calendar.name == sla.CALENDAR_STANDARD
    assert clock.target_minutes == 7 * 450


def test_first_public_staff_reply_stops_the_response_clock_not_a_note(agent, engineer):
    ticket = _ticket(agent)
    services.comment_add(ticket, actor=engineer, body="checking", is_internal=True)
    assert _clock(ticket, "response").state == ClockState.RUNNING
    services.comment_add(ticket, actor=engineer, body="We are on it.")
    response = _clock(ticket, "response")
    assert response.state == ClockState.MET and response.met_at is not None
    ticket.refresh_from_db()
    assert ticket.sla_due_at == _clock(ticket, "resolution").due_at


def test_waiting_for_the_customer_pauses_and_a_reply_resumes(agent, customer, product):
    ticket = services.ticket_create(
        actor=customer, title="Report empty", kind=TicketKind.FAULT, channel=Channel.PORTAL
    )
    services.ticket_transition(
        ticket, actor=agent, to_status=TicketStatus.WAITING_CUSTOMER, comment="Which report?"
    )
    resolution = _clock(ticket, "resolution")
    assert resolution.state == ClockState.PAUSED and resolution.paused_since is not None
    assert resolution.next_check_at is None  # nothing to sweep while paused
    assert _clock(ticket, "response").state == ClockState.MET  # the question was a response
    ticket.refresh_from_db()
    assert ticket.sla_due_at is None
    services.comment_add(ticket, actor=customer, body="The monthly one.")
    resolution = _clock(ticket, "resolution")
    assert resolution.state == ClockState.RUNNING and resolution.paused_since is None
    assert len(resolution.pauses) == 1
    assert resolution.next_check_at is not None


def test_resuming_pushes_the_deadline_by_the_paused_time(agent):
    ticket = _ticket(agent, "L2")
    start = _clock(ticket, "resolution").started_at
    sla.clocks_update(ticket.pk, at=start + H, actor=agent, pause=("resolution",))
    sla.clocks_update(ticket.pk, at=start + 4 * H, actor=agent, resume=True)
    clock = _clock(ticket, "resolution")
    assert clock.paused_minutes == pytest.approx(180)
    assert clock.due_at == start + 7 * H  # 4 h target + 3 h paused
    assert clock.warn_at == start + 6 * H
    assert [e.kind for e in clock.events.order_by("at", "id")] == ["started", "paused", "resumed"]


def test_resolving_meets_and_reopening_resumes_without_counting_the_resolved_time(agent):
    ticket = _ticket(agent, "L2")
    start = ticket.created_at
    sla.clocks_update(ticket.pk, at=start + H, actor=agent, stop=("response", "resolution"))
    clock = _clock(ticket, "resolution")
    assert clock.state == ClockState.MET and clock.next_check_at is None
    sla.clocks_update(ticket.pk, at=start + 3 * H, actor=agent, reopen=("resolution",))
    clock = _clock(ticket, "resolution")
    assert clock.state == ClockState.RUNNING and clock.met_at is None
    assert clock.due_at == start + 6 * H
    assert _clock(ticket, "response").state == ClockState.MET  # not reopened


def test_resolve_and_reopen_through_the_ticket_services(agent, engineer):
    ticket = _ticket(agent)
    ticket = services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.RESOLVED, comment="Restarted the node."
    )
    assert {c.state for c in ticket.clocks.all()} == {ClockState.MET}
    assert ticket.sla_due_at is None
    ticket = services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS, comment="Down again."
    )
    assert _clock(ticket, "resolution").state == ClockState.RUNNING
    assert ticket.sla_due_at == _clock(ticket, "resolution").due_at


def test_cancelling_stops_every_clock(agent):
    ticket = _ticket(agent)
    services.ticket_transition(
        ticket, actor=agent, to_status=TicketStatus.CANCELLED, comment="Duplicate."
    )
    assert {c.state for c in ticket.clocks.all()} == {ClockState.CANCELLED}


def test_resolving_late_is_a_breach_even_before_the_sweep_saw_it(agent):
    ticket = _ticket(agent)
    late = ticket.created_at + 3 * H
    sla.clocks_update(ticket.pk, at=late, actor=agent, stop=("response", "resolution"))
    clock = _clock(ticket, "resolution")
    assert clock.state == ClockState.BREACHED
    assert clock.breached_at == clock.due_at and clock.met_at is None


def test_a_target_met_exactly_at_the_deadline_is_not_breached(agent):
    ticket = _ticket(agent)
    due = _clock(ticket, "resolution").due_at
    sla.clocks_update(ticket.pk, at=due, actor=agent, stop=("resolution",))
    assert _clock(ticket, "resolution").state == ClockState.MET


def test_changing_severity_recomputes_from_the_start_keeping_paused_time(agent):
    ticket = _ticket(agent, "L1")
    start = ticket.created_at
    sla.clocks_update(ticket.pk, at=start + H, actor=agent, pause=("resolution",))
    sla.clocks_update(ticket.pk, at=start + 2 * H, actor=agent, resume=True)
    ticket = services.ticket_update(ticket, actor=agent, changes={"severity": "L2"})
    clock = _clock(ticket, "resolution")
    assert clock.target_minutes == 240
    assert clock.due_at == start + 5 * H  # 4 h target + 1 h paused
    assert ticket.resolution_due_at == clock.due_at
    assert clock.events.filter(kind="severity_changed").count() == 1


def test_a_contract_selects_its_policy_and_new_versions_only_apply_to_new_tickets(
    agent, manager, org, product, contract
):
    sla.policy_ensure_default()
    h24 = BusinessCalendar.objects.get(name=sla.CALENDAR_24X7)
    gold = SlaPolicy.objects.create(name="Gold")
    targets = [
        {
            "severity": s,
            "response_value": 30,
            "response_unit": "minutes",
            "response_calendar": h24.pk,
            "resolution_value": 1,
            "resolution_unit": "hours",
            "resolution_calendar": h24.pk,
        }
        for s in ("L1", "L2", "L3", "L4")
    ]
    sla.policy_version_create(gold, actor=manager, targets=targets, levels=sla.DEFAULT_LEVELS)
    ContractPolicy.objects.create(contract=contract, policy=gold)
    first = _ticket(agent, "L3", organization=org, product=product)
    assert _clock(first, "response").target_minutes == 30
    assert _clock(first, "resolution").policy_version.number == 1

    targets[2]["resolution_value"] = 2
    sla.policy_version_create(gold, actor=manager, targets=targets, levels=sla.DEFAULT_LEVELS)
    second = _ticket(agent, "L3", organization=org, product=product)
    assert _clock(second, "resolution").target_minutes == 120
    assert _clock(first, "resolution").target_minutes == 60  # never rewritten silently


def test_policy_versions_validate_and_need_a_manager(agent, manager):
    policy = sla.policy_ensure_default()
    with pytest.raises(NotAllowed):
        sla.policy_version_create(policy, actor=agent, targets=[], levels=[])
    with pytest.raises(ValidationFailed) as err:
        sla.policy_version_create(
            policy,
            actor=manager,
            targets=[{"severity": "L9", "response_value": -1, "response_unit": "weeks"}],
            levels=[{"level": 1, "notify": ["nobody"]}],
        )
    fields = err.value.fields
    assert {"targets[0].severity", "targets[0].response_value", "targets[0].response_unit"} <= set(
        fields
    )
    assert "escalation_levels[0].notify" in fields and "targets" in fields


def test_a_calendar_in_use_cannot_be_deleted(manager, agent):
    _ticket(agent)
    calendar = BusinessCalendar.objects.get(name=sla.CALENDAR_24X7)
    with pytest.raises(Conflict) as err:
        sla.calendar_delete(calendar, actor=manager)
    assert err.value.code == "calendar_in_use"
    assert "Default" in err.value.extra["policies"]
    spare = sla.calendar_save(
        actor=manager, name="Spare", spec={"timezone": "UTC", "week": {"mon": [["09:00", "17:00"]]}}
    )
    sla.calendar_delete(spare, actor=manager)
    assert not BusinessCalendar.objects.filter(name="Spare").exists()


def test_calendar_errors_name_the_field(manager):
    with pytest.raises(ValidationFailed) as err:
        sla.calendar_save(actor=manager, name="Bad", spec={"timezone": "Mars/Base", "week": {}})
    assert "spec.timezone" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        sla.calendar_save(
            actor=manager,
            name="Bad",
            spec={"timezone": "UTC", "week": {"mon": [["09:00", "25:00"]]}},
        )
    assert any(key.startswith("spec.week.mon") for key in err.value.fields)


# --- the sweep ----------------------------------------------------------------------------


def _assigned(agent, engineer, team_lead):
    team = f.TeamFactory(name="Core", lead=team_lead)
    ticket = _ticket(agent, "L1")
    return services.ticket_assign(ticket, actor=agent, team=team, assignee=engineer)


def test_sweep_warns_breaches_and_escalates_once_each(agent, engineer, manager):
    lead = f.UserFactory(username="lead", email="lead@example.com")
    ticket = _assigned(agent, engineer, lead)
    clock = _clock(ticket, "resolution")
    start = clock.started_at

    assert sla_sweep(now=start + 1 * H).clocks == 0  # nothing due: nothing read
    warned = sla_sweep(now=start + 91 * dt.timedelta(minutes=1))  # both clocks past 75 %
    assert warned.warnings == 2 and warned.breaches == 0 and warned.escalations == 2
    assert sla_sweep(now=start + 91 * dt.timedelta(minutes=1)).clocks == 0

    breached = sla_sweep(now=start + 2 * H + dt.timedelta(seconds=1))
    assert breached.breaches == 2 and breached.escalations == 2
    clock.refresh_from_db()
    assert clock.state == ClockState.BREACHED and clock.breached_at == clock.due_at
    assert clock.warned_at is not None

    late = sla_sweep(now=start + 5 * H)  # twice the target passed: level 3
    assert late.escalations == 2 and late.warnings == late.breaches == 0
    assert sla_sweep(now=start + 10 * H).clocks == 0  # nothing left pending

    levels = SlaEscalation.objects.filter(clock=clock).order_by("level")
    assert [e.level for e in levels] == [1, 2, 3]
    assert levels[0].recipients == [engineer.email, lead.email]
    assert levels[1].recipients == [manager.email]
    # One digest per recipient and sweep, each listing both clocks of the ticket.
    digests = OutboxMessage.objects.filter(topic__startswith="sla.").order_by("pk")
    assert [(m.topic, m.recipient) for m in digests] == [
        ("sla.digest", engineer.email),
        ("sla.digest", lead.email),
        ("sla.digest", manager.email),
        ("sla.digest", manager.email),
    ]
    for message, level in zip(digests, [1, 1, 2, 3], strict=True):
        items = message.payload["items"]
        assert {(i["ticket"], i["clock"], i["level"]) for i in items} == {
            (ticket.number, "response", level),
            (ticket.number, "resolution", level),
        }
        assert message.payload["total"] == message.payload["escalations"] == 2
        assert all(i["breach"] == (level > 1) for i in items)


def test_a_long_outage_of_the_sweep_gives_each_level_once(agent, engineer, manager):
    ticket = _assigned(agent, engineer, None)
    clock = _clock(ticket, "resolution")
    result = sla_sweep(now=clock.started_at + 12 * H)
    assert result.warnings == 2 and result.breaches == 2 and result.escalations == 6
    assert SlaEscalation.objects.filter(clock=clock).count() == 3
    assert sla_sweep(now=clock.started_at + 13 * H).clocks == 0


def test_a_paused_clock_is_not_swept_and_a_met_one_never_breaches(agent, engineer):
    ticket = _ticket(agent, "L1")
    start = ticket.created_at
    sla.clocks_update(ticket.pk, at=start + H, actor=agent, pause=("response", "resolution"))
    assert sla_sweep(now=start + 5 * H).clocks == 0
    sla.clocks_update(ticket.pk, at=start + 5 * H, actor=agent, stop=("response", "resolution"))
    assert sla_sweep(now=start + 50 * H).clocks == 0
    assert not SlaEscalation.objects.exists()


def test_sweep_batches_cover_everything_due(agent):
    tickets = [_ticket(agent, "L1") for _ in range(5)]
    result = sla_sweep(now=timezone.now() + 3 * H, batch=3)
    assert result.clocks == 10 and result.batches >= 4
    assert SlaClock.objects.filter(ticket__in=tickets, breached_at__isnull=False).count() == 10


def test_remaining_time_and_explanation(agent):
    ticket = _ticket(agent, "L2")
    clock = _clock(ticket, "resolution")
    start = clock.started_at
    assert remaining_minutes(clock, start + H) == pytest.approx(180)
    assert remaining_minutes(clock, start + 5 * H) == pytest.approx(-60)
    sla.clocks_update(ticket.pk, at=start + H, actor=agent, pause=("resolution",))
    sla.clocks_update(ticket.pk, at=start + 2 * H, actor=agent, resume=True)
    clock = _clock(ticket, "resolution")
    kinds = [item["kind"] for item in clock_explanation(clock, start + 2 * H)]
    assert kinds[:3] == ["started", "paused", "resumed"] and kinds[-1] == "due"
    texts = " ".join(item["text"] for item in clock_explanation(clock, start + 2 * H))
    assert "1 h" in texts


def test_a_new_policy_version_reaches_intake_at_once_in_this_process(agent, manager):
    policy = sla.policy_ensure_default()
    _ticket(agent, "L1")  # fills the intake cache
    h24 = BusinessCalendar.objects.get(name=sla.CALENDAR_24X7).pk
    targets = [
        {
            "severity": s,
            "response_value": 10,
            "response_unit": "minutes",
            "response_calendar": h24,
            "resolution_value": 1,
            "resolution_unit": "hours",
            "resolution_calendar": h24,
        }
        for s in ("L1", "L2", "L3", "L4")
    ]
    sla.policy_version_create(policy, actor=manager, targets=targets, levels=sla.DEFAULT_LEVELS)
    assert _clock(_ticket(agent, "L1"), "response").target_minutes == 10


def _kinds(clock) -> list[str]:
    """The clock's events but its escalations (one per level) and warnings."""
    events = clock.events.exclude(kind__in=["escalated", "warned"]).order_by("at", "pk")
    return list(events.values_list("kind", flat=True))


def _texts(clock, now) -> list[str]:
    return [item["text"] for item in clock_explanation(clock, now)]


def test_a_clock_the_sweep_breached_gets_no_second_breach_when_it_stops(agent):
    ticket = _ticket(agent, "L2")
    start = ticket.created_at
    assert sla_sweep(now=start + 4 * H + dt.timedelta(minutes=1)).breaches == 2
    sla.clocks_update(ticket.pk, at=start + 6 * H, actor=agent, stop=("response", "resolution"))

    clock = _clock(ticket, "resolution")
    assert clock.state == ClockState.BREACHED and clock.stopped_at == start + 6 * H
    assert clock.breached_at == clock.due_at
    assert _kinds(clock) == ["started", "breached", "stopped"]
    texts = _texts(clock, start + 7 * H)
    assert texts.count("Breached: the deadline passed.") == 1
    assert "Stopped after the deadline had passed." in texts


def test_a_late_stop_the_sweep_never_saw_is_the_one_breach(agent):
    ticket = _ticket(agent, "L2")
    start = ticket.created_at
    sla.clocks_update(ticket.pk, at=start + 6 * H, actor=agent, stop=("resolution",))
    sla.clocks_update(ticket.pk, at=start + 7 * H, actor=agent, reopen=("resolution",))
    sla.clocks_update(ticket.pk, at=start + 8 * H, actor=agent, stop=("resolution",))
    assert sla_sweep(now=start + 9 * H).breaches == 1  # the response clock, still running

    assert _kinds(_clock(ticket, "resolution")) == [
        "started",
        "breached",
        "reopened",
        "stopped",
    ]


def test_cancelling_a_breached_ticket_says_so_once(agent):
    ticket = _ticket(agent, "L1")
    start = ticket.created_at
    sla_sweep(now=start + 3 * H)
    services.ticket_transition(
        ticket, actor=agent, to_status=TicketStatus.CANCELLED, comment="Duplicate."
    )
    clock = _clock(ticket, "resolution")
    assert _kinds(clock).count("breached") == 1
    assert "Stopped: the ticket was cancelled after the deadline had passed." in _texts(
        clock, timezone.now()
    )


def test_a_retarget_that_breaches_records_the_breach_once(agent):
    ticket = _ticket(agent, "L4")
    start = ticket.created_at
    sla.clocks_retarget(ticket.pk, severity="L1", at=start + 3 * H, actor=agent)
    assert sla_sweep(now=start + 4 * H).breaches == 0  # breached already: nothing to mark
    sla.clocks_update(ticket.pk, at=start + 5 * H, actor=agent, stop=("resolution",))

    assert _kinds(_clock(ticket, "resolution")) == [
        "started",
        "severity_changed",
        "breached",
        "stopped",
    ]
