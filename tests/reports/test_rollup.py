"""The daily roll-up gives the live figures: every metric family computed live and from
roll-ups (wholly, and mixed with live days) on the hand-computed desk and on a randomized
one; counts, sums and means exactly, medians and p90 within the documented bucket error
(1 minute + 10% of the exact value, reports/rollup/). Late changes mark their days, which
are read live until the beat task rolls them up again."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from maintenance.models import TimeEntry, WorkOrder
from reports import rollup
from reports.metrics import SECTIONS, collect
from reports.models import DailyRollup, DailyRollupBucket, RollupChange, RollupDay
from reports.periods import Period, Scope
from reports.services import rollup_days, rollup_refresh
from servicedesk.choices import Role
from sla.models import ClockState, SlaClock
from sla.services import clocks_plan, clocks_save, clocks_update
from tests import factories as f
from tickets.choices import Channel, TicketKind, TicketStatus
from tickets.models import Ticket, TicketEvent

NOV = Period.month(2026, 11)
FIRST, LAST = date(2026, 9, 1), date(2026, 12, 31)
ALL_DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
PERIODS = [
    NOV,
    Period.month(2026, 10),
    Period.week(date(2026, 11, 20)),
    Period.day(date(2026, 11, 30)),
    # reaches past the last day that can be rolled up: roll-up days and live days mixed
    Period.quarter(2026, 4),
    Period.custom(date(2026, 10, 20), date.today()),  # noqa: DTZ011 (the local today)
]
PERCENTILES = ("median", "p90")


def scopes(desk: Any) -> list[Scope]:
    return [
        Scope(),
        Scope(organization=desk.org_a.pk),
        Scope(organization=desk.org_b.pk),
        Scope(channel="hotline"),
        Scope(engineer=desk.eng_b.pk),
        Scope(team=desk.team_a.pk),
        Scope(severity="L3"),
        Scope(kind="complaint"),
        Scope(teams=(desk.team_a.pk,), audience="staff"),
    ]


def figures(periods: list[Period], scope_list: list[Scope]) -> dict[Any, Any]:
    return {(p, s): collect(p, s, SECTIONS) for p in periods for s in scope_list}


def assert_same(live: Any, rolled: Any, path: str = "") -> None:
    """Equal, except medians and p90 (hours): within 1 minute + 10% (+ rounding)."""
    if isinstance(live, dict):
        assert live.keys() == rolled.keys(), path
        for key in live:
            if key in PERCENTILES and "times" in path:
                exact, estimate = live[key], rolled[key]
                assert (exact is None) == (estimate is None), path
                if exact is not None:
                    bound = 1 / 60 + 0.1 * exact + 0.011
                    assert abs(estimate - exact) <= bound, (path, key, exact, estimate)
            else:
                assert_same(live[key], rolled[key], f"{path}.{key}")
    elif isinstance(live, list):
        assert len(live) == len(rolled), path
        for i, (a, b) in enumerate(zip(live, rolled, strict=True)):
            assert_same(a, b, f"{path}[{i}]")
    elif isinstance(live, float):
        assert rolled == pytest.approx(live, abs=1e-9), path
    else:
        assert live == rolled, path


def compare(periods: list[Period], scope_list: list[Scope], days: list[date]) -> None:
    live = figures(periods, scope_list)
    assert rollup_days(days) > 0
    for p in periods:
        if any(p.first_day <= d <= min(p.last_day, rollup.last_rollable_day()) for d in days):
            assert rollup.plan(p, Scope()) is not None, p  # the roll-up is read
    rolled = figures(periods, scope_list)
    for key, value in live.items():
        assert_same(value, rolled[key], f"{key[0].label} {key[1]}")


def test_every_family_equal_live_and_rolled_up_on_the_hand_computed_desk(desk):
    compare(PERIODS, scopes(desk), ALL_DAYS)


def test_part_of_the_days_rolled_up_gives_the_same_figures(desk):
    # every other day rolled up: each period mixes roll-up and live days
    compare(PERIODS, scopes(desk), ALL_DAYS[::2])


def test_hand_computed_answers_from_the_rollup(desk):
    rollup_days(ALL_DAYS)
    figures = collect(NOV, Scope())
    assert rollup.plan(NOV, Scope()) is not None
    v = figures["volume"]
    assert (v["received"], v["resolved"], v["closed"], v["reopened"], v["cancelled"]) == (
        5,
        3,
        2,
        1,
        1,
    )
    assert figures["sla"]["response"]["met"] == 3
    assert figures["first_contact"]["hotline"]["percent"] == 50.0
    assert figures["satisfaction"]["average"] == 4.5
    times = figures["times"]["response"]["calendar"]
    assert (times["count"], times["mean"]) == (3, 0.92)  # exact
    assert abs(times["median"] - 1.0) <= 1 / 60 + 0.1  # 60 minutes, from buckets


def test_a_period_in_another_zone_or_a_contract_scope_is_read_live(desk):
    from zoneinfo import ZoneInfo

    rollup_days(ALL_DAYS)
    assert rollup.plan(Period.month(2026, 11, ZoneInfo("UTC")), Scope()) is None
    assert rollup.plan(NOV, Scope(contract=1)) is None
    assert rollup.plan(NOV, Scope(product=1)) is None


def test_rollup_days_is_idempotent_and_skips_recent_days(desk):
    rollup_days(ALL_DAYS)
    rows = sorted(DailyRollup.objects.values_list("day", "organization_id", "received"))
    buckets = DailyRollupBucket.objects.count()
    rollup_days(ALL_DAYS)
    assert sorted(DailyRollup.objects.values_list("day", "organization_id", "received")) == rows
    assert DailyRollupBucket.objects.count() == buckets
    last = rollup.last_rollable_day()
    assert RollupDay.objects.filter(day__gt=last).count() == 0
    assert RollupDay.objects.filter(day=last).exists()


def test_a_late_change_marks_its_days_which_are_read_live_until_rolled_up(desk, settings):
    t1 = desk.tickets["t1"]  # received 31 Oct 16:30Z (1 Nov local), closed 2 Nov, rated 5
    rollup_days(ALL_DAYS)
    assert not RollupChange.objects.exists()
    # a late rating change and a reopened resolution, through plain updates (any path)
    Ticket.objects.filter(pk=t1.pk).update(rating=1)
    Ticket.objects.filter(pk=desk.tickets["t4"].pk).update(
        status=TicketStatus.IN_PROGRESS, resolved_at=None
    )
    marked = rollup.changed_days()
    assert {date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 20)} <= marked
    rolled = collect(NOV, Scope())
    settings.REPORTS_ROLLUP = False
    live = collect(NOV, Scope())
    settings.REPORTS_ROLLUP = True
    assert_same(live, rolled)
    assert rolled["satisfaction"]["average"] == 2.5  # (1 + 4) / 2: the change is seen
    assert rolled["volume"]["resolved"] == 2
    # the beat task rolls the marked days up again and forgets the marks
    assert rollup_refresh() >= 3
    assert not RollupChange.objects.exists()
    assert_same(live, collect(NOV, Scope()))


def test_a_clock_change_and_a_late_event_mark_their_days(desk):
    rollup_days(ALL_DAYS)
    clock = SlaClock.objects.get(ticket=desk.tickets["t3"], kind="resolution")
    SlaClock.objects.filter(pk=clock.pk).update(state=ClockState.BREACHED, breached_at=clock.due_at)
    assert date(2026, 11, 10) in rollup.changed_days()  # t3 received 10 Nov
    TicketEvent.objects.create(
        ticket=desk.tickets["t4"],
        kind="transition",
        created_at=datetime(2026, 11, 25, 3, tzinfo=UTC),
        data={"old": "resolved", "new": "in_progress"},
    )
    assert date(2026, 11, 25) in rollup.changed_days()
    assert collect(NOV, Scope())["volume"]["reopened"] == 2
    assert collect(NOV, Scope())["sla"]["resolution"]["breached"] == 2


def test_clock_rows_mark_their_tickets_days_once_per_statement(desk):
    """The clock triggers fire per statement (reports 0004): a bulk update marks the days of
    every ticket whose clocks changed in a column the roll-up reads, the sweep's bookkeeping
    marks nothing, and inserted and deleted clocks mark their tickets' days."""
    rollup_days(ALL_DAYS)
    t1, t3 = desk.tickets["t1"], desk.tickets["t3"]  # received 1 Nov and 10 Nov (local)
    clocks = SlaClock.objects.filter(ticket__in=[t1, t3])
    assert clocks.count() >= 2
    clocks.update(next_check_at=datetime(2026, 11, 30, tzinfo=UTC), escalated_level=2)
    assert not RollupChange.objects.exists()  # next check and level: not read by roll-up
    clocks.update(elapsed_minutes=7)
    assert {date(2026, 11, 1), date(2026, 11, 10)} <= rollup.changed_days()
    marked = RollupChange.objects.count()
    assert marked == len(set(RollupChange.objects.values_list("at", flat=True)))  # distinct
    RollupChange.objects.all().delete()
    kept = list(SlaClock.objects.filter(ticket=t3).values())
    SlaClock.objects.filter(ticket=t3).delete()
    assert rollup.changed_days() == {date(2026, 11, 10)} | (
        {timezone_day(t3.resolved_at)} if t3.resolved_at else set()
    )
    RollupChange.objects.all().delete()
    SlaClock.objects.bulk_create([SlaClock(**row) for row in kept])
    assert date(2026, 11, 10) in rollup.changed_days()


def timezone_day(at: datetime) -> date:
    return at.astimezone(rollup.zone()).date()


def test_a_change_to_a_new_ticket_marks_nothing(desk):
    rollup_days(ALL_DAYS)
    ticket = f.TicketFactory(created_at=datetime.now(UTC))
    Ticket.objects.filter(pk=ticket.pk).update(rating=3, status=TicketStatus.CLOSED)
    assert not RollupChange.objects.exists()


def test_refresh_does_nothing_before_a_backfill_then_fills_missing_days(desk):
    assert rollup_refresh() == 0
    assert not DailyRollup.objects.exists()
    last = rollup.last_rollable_day()
    rollup_days([last])
    assert rollup_refresh() >= 62  # the missing days of the catch-up window (and changed ones)
    first = last - timedelta(days=62)
    assert RollupDay.objects.filter(day__gte=first, day__lte=last).count() == 63


def test_the_rollup_read_takes_few_queries(desk):
    rollup_days(ALL_DAYS)
    with CaptureQueriesContext(connection) as rolled:
        collect(Period.month(2026, 10), Scope())  # wholly rolled up
    # plan (2), facts, buckets, the backlog, the breaches, work orders, service hours,
    # appraisal's names and hours: not one query per family over the tickets
    assert len(rolled) <= 22, [q["sql"][:80] for q in rolled]


def test_backfill_command(desk):
    out = io.StringIO()
    call_command("rollup_backfill", start="2026-11-01", end="2026-11-30", stdout=out)
    assert "30 days rolled up" in out.getvalue()
    assert RollupDay.objects.filter(day__month=11).count() == 30
    with pytest.raises(CommandError):
        call_command("rollup_backfill", start="2026-11-31")
    with pytest.raises(CommandError):
        call_command("rollup_backfill", start="2026-11-10", end="2026-11-01")


# --- a randomized desk ---------------------------------------------------------------------


def _random_desk(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    orgs = [f.OrganizationFactory() for _ in range(3)]
    engineers = [f.UserFactory(role=Role.ENGINEER) for _ in range(3)]
    teams = [f.TeamFactory() for _ in range(2)]
    start = datetime(2026, 10, 15, tzinfo=UTC)
    for n in range(70):
        created = start + timedelta(minutes=rng.randrange(0, 46 * 24 * 60))
        severity = rng.choice(["L1", "L2", "L3", "L4"])
        fields: dict[str, Any] = {}
        if rng.random() < 0.8:
            fields["first_response_at"] = created + timedelta(minutes=rng.randrange(1, 3000))
        status = rng.choice(
            [TicketStatus.NEW, TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED]
            + [TicketStatus.CLOSED] * 3
            + [TicketStatus.CANCELLED]
        )
        if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
            fields["resolved_at"] = created + timedelta(minutes=rng.randrange(5, 20000))
        if status == TicketStatus.CLOSED:
            fields["closed_at"] = fields["resolved_at"] + timedelta(hours=rng.randrange(1, 80))
            if rng.random() < 0.8:
                fields["rating"] = rng.randint(1, 5)
        team = rng.choice([*teams, None])
        ticket = f.TicketFactory(
            number=f"R{n}",
            organization=rng.choice(orgs),
            channel=rng.choice(list(Channel.values)),
            kind=rng.choice([TicketKind.FAULT, TicketKind.COMPLAINT, TicketKind.CONSULTATION]),
            severity=severity,
            created_at=created,
            status=status,
            team=team,
            assignee=rng.choice(engineers) if team else None,
            first_contact_resolution=rng.random() < 0.3,
            reopen_count=rng.choice([0, 0, 0, 1]),
            **fields,
        )
        clocks, _deadlines = clocks_plan(contract_id=None, severity=severity, at=created)
        clocks_save(ticket.pk, clocks)
        if "first_response_at" in fields:
            responded = fields["first_response_at"]
            clocks_update(ticket.pk, at=responded, actor=None, stop=("response",))
        if "resolved_at" in fields:
            clocks_update(ticket.pk, at=fields["resolved_at"], actor=None, stop=("resolution",))
        if status == TicketStatus.CANCELLED:
            clocks_update(ticket.pk, at=created + timedelta(hours=1), actor=None, cancel=True)
            TicketEvent.objects.create(
                ticket=ticket,
                kind="transition",
                created_at=created + timedelta(hours=1),
                data={"old": "accepted", "new": "cancelled"},
            )
        elif rng.random() < 0.2:
            running = SlaClock.objects.filter(ticket=ticket, state=ClockState.RUNNING).first()
            if running is not None:
                SlaClock.objects.filter(pk=running.pk).update(
                    state=ClockState.BREACHED, breached_at=running.due_at
                )
        if ticket.reopen_count:
            TicketEvent.objects.create(
                ticket=ticket,
                kind="transition",
                created_at=created + timedelta(hours=rng.randrange(2, 200)),
                data={"old": rng.choice(["resolved", "closed"]), "new": "in_progress"},
            )
    # service hours: on tickets, on work orders alone, on both; from 20 Oct to 2 Dec
    tickets = list(Ticket.objects.filter(number__startswith="R"))
    orders = [
        WorkOrder.objects.create(
            number=f"RW{n}", title="order", team=rng.choice([*teams, None]), created_at=start
        )
        for n in range(4)
    ]
    for _ in range(60):
        ticket = rng.choice([*tickets, None])
        order = rng.choice(orders) if ticket is None or rng.random() < 0.2 else None
        TimeEntry.objects.create(
            user=rng.choice(engineers),
            ticket=ticket,
            work_order=order,
            worked_on=date(2026, 10, 20) + timedelta(days=rng.randrange(0, 44)),
            minutes=rng.randrange(5, 300),
            mode=rng.choice(["on_site", "remote"]),
        )
    return {"orgs": orgs, "engineers": engineers, "teams": teams}


@pytest.mark.parametrize("seed", [7, 2026])
def test_every_family_equal_live_and_rolled_up_on_a_random_desk(db, seed):
    with transaction.atomic():
        made = _random_desk(seed)
    scope_list = [
        Scope(),
        Scope(organization=made["orgs"][0].pk),
        Scope(engineer=made["engineers"][1].pk),
        Scope(team=made["teams"][0].pk),
        Scope(channel="hotline"),
        Scope(severity="L2"),
        Scope(teams=(made["teams"][1].pk,), audience="staff"),
    ]
    days = ALL_DAYS if seed == 7 else ALL_DAYS[1::3]
    compare(PERIODS, scope_list, days)


def test_percentile_from_buckets_is_within_the_documented_bound():
    rng = random.Random(3)
    for _ in range(200):
        scale = rng.choice([5, 60, 600, 6000])
        values = [rng.expovariate(1 / scale) for _ in range(rng.randint(1, 40))]
        counts: dict[int, int] = {}
        import bisect

        for v in values:
            b = bisect.bisect_right(rollup.EDGES, v)
            counts[b] = counts.get(b, 0) + 1
        ordered = sorted(values)
        for fraction in (0.5, 0.9):
            position = fraction * (len(ordered) - 1)
            low = int(position)
            high = min(low + 1, len(ordered) - 1)
            exact = ordered[low] + (position - low) * (ordered[high] - ordered[low])
            estimate = rollup.percentile(counts, fraction)
            assert estimate is not None
            assert abs(estimate - exact) <= 1 + 0.1 * exact + 1e-6, (values, fraction)
    assert rollup.percentile({}, 0.5) is None


def test_time_entries_and_a_ticket_moving_group_mark_their_days(desk):
    """Service hours in the roll-up (migration 0005): an entry written, changed or deleted
    marks its day, and so does a ticket or work order moving to another group (the days of
    its entries); the marked days are read live, so the figures stay the live ones."""
    t1, t2 = desk.tickets["t1"], desk.tickets["t2"]
    order = WorkOrder.objects.create(number="W9", title="w", team=desk.team_a)

    def entry(day: int, **fields: Any) -> TimeEntry:
        return TimeEntry.objects.create(
            user=desk.eng_a,
            worked_on=date(2026, 11, day),
            minutes=30 + day,
            mode="remote",
            **fields,
        )

    changed, moved, on_order, deleted = (
        entry(5, ticket=t1),
        entry(6, ticket=t2),
        entry(7, work_order=order),
        entry(8, ticket=t1),
    )
    rollup_days(ALL_DAYS)
    assert not RollupChange.objects.exists()
    TimeEntry.objects.filter(pk=changed.pk).update(minutes=120)
    Ticket.objects.filter(pk=t2.pk).update(team=desk.team_b)
    WorkOrder.objects.filter(pk=order.pk).update(team=desk.team_b)
    TimeEntry.objects.filter(pk=deleted.pk).delete()
    assert {date(2026, 11, d) for d in (5, 6, 7, 8)} <= rollup.changed_days()
    scopes_ = [Scope(), Scope(team=desk.team_b.pk), Scope(teams=(desk.team_b.pk,))]
    rolled = figures([NOV], scopes_)
    assert rollup.hour_cells(NOV, Scope()) is not None
    rollup_refresh()
    assert not RollupChange.objects.exists()
    again = figures([NOV], scopes_)
    with override_settings(REPORTS_ROLLUP=False):
        live = figures([NOV], scopes_)
    for key, value in live.items():
        assert_same(value, rolled[key], str(key[1]))
        assert_same(value, again[key], str(key[1]))
    assert live[(NOV, Scope())]["service_hours"]["hours"] == round((120 + 36 + 37) / 60, 1)
    assert moved.pk and on_order.pk


def test_the_backlog_comes_from_the_rollup_exactly(desk):
    """The backlog at the end of a period, and its ages, read from received - gone (no
    query over the tickets), equal the live figures; a reopening long after counts again."""
    rollup_days(ALL_DAYS)
    assert rollup.backlog(NOV, Scope(), [1, 3, 7, 30]) is not None
    with override_settings(REPORTS_ROLLUP=False):
        live = collect(NOV, Scope(), ["volume"])
    assert_same(live, collect(NOV, Scope(), ["volume"]))
    Ticket.objects.filter(pk=desk.tickets["t4"].pk).update(
        status=TicketStatus.IN_PROGRESS, resolved_at=None
    )
    with override_settings(REPORTS_ROLLUP=False):
        live = collect(NOV, Scope(), ["volume"])
    assert_same(live, collect(NOV, Scope(), ["volume"]))
    rollup_refresh()
    assert_same(live, collect(NOV, Scope(), ["volume"]))
