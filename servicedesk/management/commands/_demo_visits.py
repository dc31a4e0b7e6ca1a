"""Demo on-site visits (上门服务) and a patch that tells the customers it fixes.

Two visits at east-grid and west-hospital, through maintenance's visit services: one done
and confirmed by the customer (arrival, departure with the report and its service hours,
the customer's confirmation, the ticket resolved), one scheduled for tomorrow. And a fault
in billing 4.0.1 analysed, fixed and delivered in the 4.0.2 patch: when 4.0.2 is published
(``_demo_maintenance``), the contacts of the customers running 4.0.1 get the patch notice.
Fixed times relative to the history's end and no randomness: deterministic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from maintenance.choices import WorkOrderKind
from maintenance.services import visits as visit_services
from maintenance.services import work_orders as wo
from servicedesk.choices import TeamKind
from tickets import services as ticket_services
from tickets.choices import Channel, Severity, TicketKind, TicketStatus

from ._demo_data import PATCHES
from ._demo_simulation import Simulation, Story
from ._demo_tickets import Desk

FIX_OF = ("billing", "4.0.1", "4.0.2")  # product, affected version, the patch that fixes it


def load_visits(sim: Simulation, desk: Desk) -> None:
    end = timezone.localtime(sim.end)
    five_days_ago = (end - dt.timedelta(days=5)).replace(hour=9, minute=20, second=0)
    yesterday = (end - dt.timedelta(days=1)).replace(hour=15, minute=10, second=0)
    sim.spawn(five_days_ago, _confirmed_visit_story(desk))
    sim.spawn(min(yesterday, sim.end - dt.timedelta(hours=2)), _scheduled_visit_story(desk))


def load_patch_fix(sim: Simulation, desk: Desk) -> None:
    """The fault the billing 4.0.2 patch fixes, delivered before the patch is published."""
    code, _affected, patch = FIX_OF
    published = next(days for c, number, days, _n in PATCHES if (c, number) == (code, patch))
    start = timezone.localtime(sim.end - dt.timedelta(days=published + 6))
    sim.spawn(start.replace(hour=10, minute=0, second=0, microsecond=0), _patch_fix_story(desk))


def _entry(desk: Desk, code: str) -> dict[str, Any]:
    return next(e for e in desk.directory["orgs"] if e["org"].code == code)


def _hotline_fault(desk: Desk, org_code: str, product_code: str, title: str, severity: str):
    entry = _entry(desk, org_code)
    contact = next(c for c in entry["contacts"] if c.user_id)  # who confirms on the portal
    product = next(p for p in entry["products"] if p.code == product_code)
    users = desk.users
    ticket = ticket_services.ticket_create(
        actor=users["agent"],
        title=title,
        kind=TicketKind.FAULT,
        channel=Channel.HOTLINE,
        organization=entry["org"],
        contact=contact,
        product=product,
        description=f"{title}。电话无法解决，需要工程师到现场。",
        severity=severity,
    )
    return ticket_services.ticket_assign(
        ticket,
        actor=users["agent"],
        team=desk.directory["teams"][TeamKind.ON_SITE],
        assignee=users["engineer2"],
    ), entry


def _confirmed_visit_story(desk: Desk) -> Story:
    users, engineer = desk.users, desk.users["engineer2"]
    ticket, entry = _hotline_fault(
        desk, "east-grid", "dispatch", "调度平台服务器宕机，调度指令无法下发", Severity.L2
    )
    ticket = ticket_services.ticket_transition(
        ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS
    )
    visit = visit_services.visit_request(
        ticket,
        actor=users["agent"],
        address=entry["org"].address or "上海市浦东新区世纪大道 100 号",
        contact_name=ticket.contact.name if ticket.contact else "",
        contact_phone=ticket.contact.phone if ticket.contact else "",
        engineer=engineer,
        appointment_at=(timezone.now() + dt.timedelta(hours=3)).replace(second=0, microsecond=0),
    )
    yield dt.timedelta(hours=3, minutes=10)
    visit = visit_services.visit_arrive(visit, actor=engineer)
    yield dt.timedelta(hours=2, minutes=25)
    visit = visit_services.visit_depart(
        visit,
        actor=engineer,
        report="更换故障电源模块，重启调度服务；连续观察 30 分钟，调度指令下发正常。",
    )
    yield dt.timedelta(hours=1)
    customer = ticket.contact.user if ticket.contact else None
    if customer is not None:
        visit_services.visit_confirm(visit, actor=customer, accepted=True)
    yield dt.timedelta(minutes=30)
    ticket_services.ticket_transition(
        ticket,
        actor=engineer,
        to_status=TicketStatus.RESOLVED,
        comment="现场更换电源模块后恢复正常，详见上门服务报告。",
    )


def _scheduled_visit_story(desk: Desk) -> Story:
    users = desk.users
    ticket, entry = _hotline_fault(
        desk, "west-hospital", "crm", "门诊客户资料同步中断", Severity.L3
    )
    the_day_after = timezone.localtime() + dt.timedelta(days=2)  # tomorrow, seen from the end
    visit_services.visit_request(
        ticket,
        actor=users["agent"],
        address=entry["org"].address or "成都市",
        engineer=users["engineer2"],
        appointment_at=the_day_after.replace(hour=10, minute=0, second=0, microsecond=0),
    )
    yield from ()


def _patch_fix_story(desk: Desk) -> Story:
    users = desk.users
    code, affected_number, patch_number = FIX_OF
    versions = {v.version: v for v in desk.directory["versions"][code]}
    affected, patch = versions[affected_number], versions[patch_number]
    order = wo.work_order_draft(
        actor=users["agent"],
        kind=WorkOrderKind.CORRECTIVE,
        title=f"计费系统 {affected_number} 接口超时导致月末结算中断",
        description="多家客户反馈：月末结算时接口超时，结算批处理中断。",
        product=affected.product,
        severity=Severity.L2,
    )
    order = wo.work_order_submit(order, actor=users["agent"])
    yield dt.timedelta(hours=2)
    order = wo.work_order_approve(order, actor=users["manager"], comment="同意，纳入下一补丁。")
    order = wo.work_order_start_analysis(order, actor=users["engineer1"])
    yield dt.timedelta(days=1)
    order = wo.work_order_analyse(
        order,
        actor=users["engineer1"],
        root_cause="code_defect",
        cause="连接池参数过小，高峰期接口等待超时。",
        confirmed_severity=Severity.L2,
        software_change=True,
        affected_versions=[affected],
        report="<p>压测复现：并发 200 时连接池耗尽。</p>",
    )
    yield dt.timedelta(days=1)
    order = wo.work_order_record_fix(order, actor=users["engineer1"], change="调整连接池参数。")
    yield dt.timedelta(days=1)
    order = wo.work_order_record_test(
        order, actor=users["tester"], passed=True, notes="压测通过，结算批处理完成。"
    )
    yield dt.timedelta(hours=4)
    wo.work_order_deliver(
        order, actor=users["engineer1"], note=f"已在 {patch_number} 补丁中修复。", version=patch
    )
