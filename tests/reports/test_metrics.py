"""The metrics against hand-computed answers for the desk of tests/reports/conftest.py."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.metrics import DEFINITIONS, SECTIONS, collect
from reports.periods import Period, Scope
from servicedesk.errors import ValidationFailed

NOV = Period.month(2026, 11)


def test_volume_november_all(desk):
    v = collect(NOV, Scope())["volume"]
    # received: t1 (1 Nov 00:30 local), t3, t4, t5 (30 Nov 23:59 local), t7;
    # not t2 (31 Oct 23:30 local) nor t6 (1 Dec 00:00 local)
    assert v["received"] == 5
    assert v["resolved"] == 3  # t1, t2 (resolved 1 Nov 09:30 local), t4
    assert v["closed"] == 2  # t1, t2
    assert (v["reopened"], v["cancelled"]) == (1, 1)  # t3's reopening, t7
    assert v["backlog"] == 2  # t3 and t5 open at the end; t6 came after it
    assert v["backlog_age"] == {"under_1d": 1, "d1_3": 0, "d3_7": 0, "d7_30": 1, "over_30d": 0}


def test_volume_other_periods_and_scopes(desk):
    assert collect(Period.month(2026, 10), Scope())["volume"]["received"] == 1  # t2
    assert collect(Period.month(2026, 12), Scope())["volume"]["received"] == 1  # t6
    assert collect(Period.quarter(2026, 4), Scope())["volume"]["received"] == 7
    week = collect(Period.week(NOV.first_day.replace(day=20)), Scope())["volume"]
    assert (week["received"], week["cancelled"]) == (2, 1)  # t4, t7
    org_a = collect(NOV, Scope(organization=desk.org_a.pk))["volume"]
    assert (org_a["received"], org_a["resolved"], org_a["cancelled"]) == (3, 2, 0)
    hotline = collect(NOV, Scope(channel="hotline"))["volume"]
    assert (hotline["received"], hotline["resolved"]) == (2, 3)
    assert collect(NOV, Scope(engineer=desk.eng_b.pk))["volume"]["received"] == 2


def test_period_boundaries_follow_the_time_zone(desk):
    utc_nov = Period.month(2026, 11, ZoneInfo("UTC"))
    v = collect(utc_nov, Scope())["volume"]
    assert v["received"] == 5  # t3, t4, t5, t6, t7: t1 is 31 October in UTC
    fcr = collect(utc_nov, Scope())["first_contact"]
    assert fcr["hotline"]["received"] == 1  # t4 alone
    assert fcr["hotline"]["percent"] == 100.0


def test_times_calendar_and_business(desk):
    times = collect(NOV, Scope())["times"]
    # response (received in November): t1 60, t3 75, t4 30 minutes of calendar time
    assert times["response"]["calendar"] == {"count": 3, "mean": 0.92, "median": 1.0, "p90": 1.2}
    # business: t3's 30 paused minutes are out: 60, 45, 30
    assert times["response"]["business"] == {
        "count": 3,
        "mean": 0.75,
        "median": 0.75,
        "p90": 0.95,
    }
    # resolution (resolved in November): t1 3 h, t2 10 h, t4 0.5 h
    assert times["resolution"]["calendar"] == {"count": 3, "mean": 4.5, "median": 3.0, "p90": 8.6}
    # business: t4 was resolved before business hours on the L4 calendar: 0, 180, 600 min
    assert times["resolution"]["business"] == {
        "count": 3,
        "mean": 4.33,
        "median": 3.0,
        "p90": 8.6,
    }


def test_sla_compliance(desk):
    sla = collect(NOV, Scope())["sla"]
    # response: t1, t3, t4 met, t5 breached; t7 cancelled is left out
    assert (sla["response"]["met"], sla["response"]["breached"]) == (3, 1)
    assert sla["response"]["met_percent"] == 75.0
    # resolution: t4 met, t1 breached (3 h on an L1), t3 and t5 still running
    assert (
        sla["resolution"]["met"],
        sla["resolution"]["breached"],
        sla["resolution"]["running"],
    ) == (1, 1, 2)
    assert sla["resolution"]["met_percent"] == 50.0
    assert sla["resolution"]["by_severity"]["L1"]["met_percent"] == 0.0
    assert sla["resolution"]["by_severity"]["L4"]["met_percent"] == 100.0
    assert sorted(b["number"] for b in sla["breaches"]) == ["T1", "T5"]  # not t2 (October)
    october = collect(Period.month(2026, 10), Scope())["sla"]
    assert [b["number"] for b in october["breaches"]] == ["T2"]


def test_first_contact_resolution(desk):
    fcr = collect(NOV, Scope())["first_contact"]
    assert fcr["hotline"] == {"received": 2, "solved_first_contact": 1, "percent": 50.0}
    assert fcr["overall"] == {"received": 5, "solved_first_contact": 1, "percent": 20.0}
    assert (fcr["target_percent"], fcr["meets_target"]) == (70.0, False)
    org_a = collect(NOV, Scope(organization=desk.org_a.pk))["first_contact"]
    assert org_a["hotline"]["percent"] == 0.0


def test_satisfaction(desk):
    s = collect(NOV, Scope())["satisfaction"]
    assert (s["rated"], s["average"]) == (2, 4.5)
    assert s["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert s["hotline"]["satisfied_percent"] == 100.0
    assert s["hotline"]["meets_target"] is True
    assert s["surveys"]["per_case"] == {"closed": 2, "response_percent": 100.0}
    assert s["complaints"] == 1


def test_quality_indicators_have_definitions_and_targets(desk):
    q = collect(NOV, Scope(), sections=["quality"])
    assert list(q) == ["quality"]
    ind = q["quality"]["indicators"]
    assert set(ind) == set(DEFINITIONS)
    assert ind["resolution_rate"]["value"] == 60.0  # 3 resolved / 5 received
    assert ind["resolved_within_24h"] == {"value": 100.0, "target": 90.0, "meets_target": True}
    assert ind["fcr_hotline"] == {"value": 50.0, "target": 70.0, "meets_target": False}
    assert ind["reopen_rate"]["value"] == 0.0
    assert all(str(d["definition"]) for d in DEFINITIONS.values())


def test_appraisal_per_engineer_and_team(desk):
    rows = {r["name"]: r for r in collect(NOV, Scope())["appraisal"]["engineers"]}
    # eng_a resolved t1 (3 h, breached) and t2 (10 h, breached) in November
    assert rows["eng_a"]["handled"] == 2
    assert rows["eng_a"]["resolution_hours_mean"] == 6.5
    assert rows["eng_a"]["sla_kept_percent"] == 0.0
    assert rows["eng_a"]["rating_average"] == 4.5
    assert rows["eng_b"]["handled"] == 1
    assert rows["eng_b"]["sla_kept_percent"] == 100.0
    teams = {r["name"]: r["handled"] for r in collect(NOV, Scope())["appraisal"]["teams"]}
    assert teams == {"Hotline group": 2, "On-site group": 1}


def test_trend_splits_by_local_day(desk):
    series = collect(NOV, Scope())["trend"]["series"]
    assert len(series) == 30
    assert series[0]["received"] == 1  # t1 at 00:30 local on 1 November
    assert series[0]["resolved"] == 2  # t1 and t2
    assert series[29]["received"] == 1  # t5 at 23:59 local
    assert sum(s["received"] for s in series) == 5
    assert series[19]["hotline_fcr_percent"] == 100.0  # t4 on 20 November


def test_collect_query_count_does_not_grow_with_tickets(desk):
    with CaptureQueriesContext(connection) as few:
        collect(NOV, Scope())
    for n in range(5):
        desk.tickets["t3"].pk = None
        desk.tickets["t3"].number = f"X{n}"
        desk.tickets["t3"].save()
    with CaptureQueriesContext(connection) as more:
        collect(NOV, Scope())
    assert len(more) == len(few) <= 32


def test_customer_scope_has_no_staff_sections(desk):
    scope = Scope(organization=desk.org_a.pk, audience="customer")
    figures = collect(NOV, scope)
    assert not {"work_orders", "service_hours", "appraisal"} & set(figures)
    with pytest.raises(ValidationFailed):
        collect(NOV, scope, sections=["appraisal"])
    with pytest.raises(ValidationFailed):
        collect(NOV, Scope(), sections=["bogus"])
    assert set(collect(NOV, Scope())) == set(SECTIONS)
