"""Work-order and service-hour figures against hand-computed answers (rows made here)."""

from __future__ import annotations

from datetime import date

from maintenance.models import (
    InspectionCheck,
    TimeEntry,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderTicket,
)
from reports.metrics import collect
from reports.periods import Period, Scope
from servicedesk.choices import Role
from tests import factories as f
from tests.reports.conftest import H, utc

NOV = Period.month(2026, 11)


def _order(number, **fields):
    return WorkOrder.objects.create(number=number, title=number, **fields)


def test_work_orders(desk):
    version = f.ProductVersionFactory(version="5.1")
    signed = _order(
        "W1",
        kind="corrective",
        status="done",
        created_at=utc(11, 2),
        submitted_at=utc(11, 2),
        approved_at=utc(11, 2) + 4 * H,
        root_cause="code_defect",
        analysed_at=utc(11, 3),
        delivered_version=version,
        delivered_at=utc(11, 5),
    )
    WorkOrderTicket.objects.create(work_order=signed, ticket=desk.tickets["t1"])
    other = _order(
        "W2",
        kind="perfective",
        status="approved",
        created_at=utc(11, 4),
        submitted_at=utc(11, 4),
        approved_at=utc(11, 4) + 2 * H,
    )
    WorkOrderTicket.objects.create(work_order=other, ticket=desk.tickets["t4"])
    _order("W3", kind="corrective", status="draft", created_at=utc(10, 20))  # October
    # inspections generated in October for November
    done = _order(
        "I1",
        kind="preventive",
        status="done",
        occurrence=date(2026, 11, 10),
        created_at=utc(10, 25),
    )
    _order(
        "I2",
        kind="preventive",
        status="approved",
        occurrence=date(2026, 11, 12),
        created_at=utc(10, 25),
    )
    InspectionCheck.objects.create(work_order=done, item="Backups", outcome="issue")
    InspectionCheck.objects.create(work_order=done, item="Disk space", outcome="ok")

    w = collect(NOV, Scope())["work_orders"]
    assert w["created"] == {"corrective": 1, "perfective": 1, "preventive": 0}
    assert w["signoff"]["approved"] == 2
    assert w["signoff"]["turnaround_hours"] == {"count": 2, "mean": 3.0, "median": 3.0, "p90": 3.8}
    assert w["root_causes"] == {"code_defect": 1}
    assert [(d["version_name"], d["count"]) for d in w["fixes_delivered"]] == [("5.1", 1)]
    # I2's day has passed without the inspection being done: overdue
    assert w["inspections"] == {
        "scheduled": 2,
        "done": 1,
        "overdue": 1,
        "done_percent": 50.0,
        "checklist_issues": 1,
    }
    # an organization's figures keep the orders linked to its tickets
    org_b = collect(NOV, Scope(organization=desk.org_b.pk))["work_orders"]
    assert org_b["created"] == {"corrective": 0, "perfective": 1, "preventive": 0}


def test_service_hours(desk):
    TimeEntry.objects.create(
        user=desk.eng_a,
        ticket=desk.tickets["t1"],
        worked_on=date(2026, 11, 1),
        minutes=90,
        mode="on_site",
    )
    TimeEntry.objects.create(
        user=desk.eng_b,
        ticket=desk.tickets["t4"],
        worked_on=date(2026, 11, 30),
        minutes=30,
        mode="remote",
    )
    TimeEntry.objects.create(  # 1 December: outside
        user=desk.eng_b,
        ticket=desk.tickets["t4"],
        worked_on=date(2026, 12, 1),
        minutes=600,
        mode="remote",
    )
    h = collect(NOV, Scope())["service_hours"]
    assert (h["hours"], h["on_site_hours"], h["remote_hours"], h["entries"]) == (2.0, 1.5, 0.5, 2)
    assert [(r["name"], r["hours"]) for r in h["per_customer"]] == [
        ("East Grid", 1.5),
        ("North Bank", 0.5),
    ]
    assert [r["name"] for r in h["per_team"]] == ["Hotline group", "On-site group"]
    mine = collect(NOV, Scope.for_user(desk.eng_b))["service_hours"]
    assert (mine["hours"], mine["entries"]) == (0.5, 1)
    rows = {r["name"]: r for r in collect(NOV, Scope())["appraisal"]["engineers"]}
    assert rows["eng_a"]["service_hours"] == 1.5


def test_service_hours_per_region(desk, client):
    desk.org_a.region = "Shandong"
    desk.org_a.save()
    other = f.OrganizationFactory(region="Shandong")
    theirs = f.TicketFactory(organization=other, created_at=desk.tickets["t1"].created_at)
    for ticket, minutes in ((desk.tickets["t1"], 90), (theirs, 30), (desk.tickets["t4"], 60)):
        TimeEntry.objects.create(
            user=desk.eng_a,
            ticket=ticket,
            worked_on=date(2026, 11, 5),
            minutes=minutes,
            mode="remote",
        )
    regions = collect(NOV, Scope(), ["quality"])["quality"]["service_hours_per_region"]
    # Shandong: 2 h over 2 organizations; North Bank records no region
    assert regions == [
        {"region": "Shandong", "hours": 2.0, "organizations": 2, "average_hours": 1.0},
        {"region": "", "hours": 1.0, "organizations": 1, "average_hours": 1.0},
    ]
    customer = f.CustomerFactory(organization=desk.org_a)
    scope = Scope.for_user(customer)
    assert collect(NOV, scope, ["quality"])["quality"]["service_hours_per_region"] is None
    manager = f.UserFactory(role=Role.MANAGER)
    client.force_login(manager)
    page = client.get("/reports/?period=month&date=2026-11", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "各地区平均服务机时" in page.content.decode()
    assert "Shandong" in page.content.decode()
    client.force_login(customer)
    assert "service-hours-per-region" not in client.get("/reports/").content.decode()


def test_an_organization_with_many_tickets_gets_the_same_work_orders(desk, monkeypatch):
    """Above ``FEW_TICKETS`` tickets in scope each order checks its own links instead of
    the orders being found from the tickets: the same figures either way."""
    import importlib

    module = importlib.import_module("reports.metrics.work_orders")  # (the name is a function)
    test_work_orders(desk)
    scopes = [Scope(organization=desk.org_a.pk), Scope(organization=desk.org_b.pk)]
    few = [collect(NOV, s)["work_orders"] for s in scopes]
    monkeypatch.setattr(module, "FEW_TICKETS", 1)
    assert [collect(NOV, s)["work_orders"] for s in scopes] == few


def test_an_organizations_work_orders_include_late_rejections_and_shared_orders(desk, monkeypatch):
    """An organization's orders are found once per report (the ids of those touching the
    period): an order created in October and rejected in November counts its rejection,
    and an order linked to tickets of both organizations counts for each, both ways of
    finding them."""
    import importlib

    module = importlib.import_module("reports.metrics.work_orders")
    test_work_orders(desk)
    late = _order("W4", kind="corrective", status="draft", created_at=utc(10, 20))
    WorkOrderTicket.objects.create(work_order=late, ticket=desk.tickets["t1"])
    WorkOrderTicket.objects.create(work_order=late, ticket=desk.tickets["t4"])
    WorkOrderEvent.objects.create(work_order=late, kind="rejected", created_at=utc(11, 6))
    WorkOrderEvent.objects.create(work_order=late, kind="rejected", created_at=utc(10, 21))
    scopes = [Scope(organization=desk.org_a.pk), Scope(organization=desk.org_b.pk)]
    for few in (5_000, 1):
        monkeypatch.setattr(module, "FEW_TICKETS", few)
        a, b = (collect(NOV, s)["work_orders"] for s in scopes)
        assert a["signoff"]["rejected"] == b["signoff"]["rejected"] == 1
        assert a["created"] == {"corrective": 1, "perfective": 0, "preventive": 0}
        assert a["signoff"]["approved"] == 1 and b["signoff"]["approved"] == 1
        assert a["root_causes"] == {"code_defect": 1} and b["root_causes"] == {}
    assert collect(NOV, Scope())["work_orders"]["signoff"]["rejected"] == 1
