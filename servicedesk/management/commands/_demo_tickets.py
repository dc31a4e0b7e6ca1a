"""The demo tickets' stories: how each request arrives and is worked, step by step.

Each story is a generator run by ``_demo_simulation.Simulation``: one service call per step
(at the demo clock's time), then how long until the next one. Staff work in working hours
unless the severity is L1 or L2; customers answer and confirm in their waking hours. Faults
that need a software change go through a fault work order (drafted, signed off, analysed,
fixed, tested, delivered), customization requests through a customization work order, and
the delivery resolves the ticket through the tickets' own services.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from maintenance import services as wo
from maintenance.choices import WorkMode, WorkOrderKind
from maintenance.models import WorkOrder
from maintenance.services.time_entries import time_entry_add
from servicedesk.choices import Role, ServiceMode, TeamKind
from servicedesk.models import ProductVersion, User
from tickets import services
from tickets.choices import Channel, Severity, TicketKind, TicketStatus, TriageDecision
from tickets.models import Ticket

from ._demo_data import AREAS, SEASON, SKILLS, TITLES
from ._demo_simulation import Simulation, WorkingHours

Story = Iterator[dt.timedelta]
HOURS = dt.timedelta(hours=1)
KINDS = list(TITLES)
KIND_WEIGHTS = [40, 20, 15, 6, 5, 14]  # fault, consultation, service request, ... (TITLES order)
CHANNELS = [Channel.PORTAL, Channel.HOTLINE, Channel.EMAIL, Channel.WEB, Channel.API]
CHANNEL_WEIGHTS = [34, 38, 11, 9, 8]
# Calls are mostly questions; about two in three calls are solved while the caller is on
# the line (the target is 70 %).
HOTLINE_KIND_WEIGHTS = [20, 50, 20, 3, 7, 0]
FIRST_CONTACT = {
    TicketKind.CONSULTATION: 0.88,
    TicketKind.SERVICE_REQUEST: 0.6,
    TicketKind.FAULT: 0.35,
}
ACKNOWLEDGED = "已受理，工程师将尽快与您联系。"


@dataclass
class Desk:
    """What the stories share: the directory, the clock's working hours, the versions."""

    directory: dict[str, Any]
    hours: WorkingHours
    released: dict[str, list[ProductVersion]]  # product code -> versions, oldest first

    @property
    def users(self) -> dict[str, User]:
        return self.directory["users"]

    def version_on(self, code: str, day: dt.date) -> ProductVersion:
        """The newest version of the product released by ``day``."""
        out = [v for v in self.released[code] if v.released_on and v.released_on <= day]
        return out[-1] if out else self.released[code][0]


def arrivals(start: dt.date, end: dt.date, rng: random.Random) -> list[dt.datetime]:
    """When requests arrive: a seasonal daily volume (SEASON), fewer at weekends, more at
    month end (billing runs) and in the fortnight after the billing 4.0 upgrade, a quiet
    National Day week; within a day mostly in office hours, some evenings and nights."""
    times = []
    day = start
    while day < end:
        mean = SEASON.get(day.month, 5.0)
        if day.weekday() >= 5:
            mean *= 0.25
        if day.day >= 28 or day.day == 1:
            mean *= 1.4
        if dt.date(day.year, 10, 1) <= day <= dt.date(day.year, 10, 7):
            mean *= 0.3
        count = max(0, round(rng.gauss(mean, math.sqrt(mean))))
        for _ in range(count):
            hour = rng.choices(range(24), weights=_HOUR_WEIGHTS)[0]
            local = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59), rng.randint(0, 59)))
            times.append(timezone.make_aware(local))
        day += dt.timedelta(days=1)
    return sorted(times)


_HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 10, 16, 16, 14, 8, 10, 15, 15, 13, 10, 6, 4, 3, 2, 2, 1]


# The newest requests are the desk's open queue: the last few arrivals stop at a given
# step (their next one lies after the present), so every status is there whatever the hour.
HOLD = dt.timedelta(days=3650)
QUEUE_TAIL = ["new", "accepted", "in_progress", "waiting", "resolved"]  # 2 each, newest first


def ticket_story(desk: Desk, rng: random.Random, i: int, hold: str = "") -> Story:
    """One request from arrival to the customer's confirmation (or as far as it got)."""
    entry = rng.choice(desk.directory["orgs"])
    product = rng.choice(entry["products"])
    channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
    if hold and channel == Channel.HOTLINE:
        channel = Channel.PORTAL  # a held call would count against first-contact resolution
    hotline = channel == Channel.HOTLINE
    kind = rng.choices(KINDS, weights=HOTLINE_KIND_WEIGHTS if hotline else KIND_WEIGHTS)[0]
    if hold and kind == TicketKind.CONSULTATION:
        kind = TicketKind.SERVICE_REQUEST  # a question would be answered at once
    title = rng.choice(TITLES[kind])
    contact = rng.choice(entry["contacts"])
    severity = rng.choices(Severity.values, weights=[4, 14, 42, 40])[0]
    version = desk.version_on(product.code, timezone.localdate())
    description = f"{title}。{product.name} {version.version}，{contact.name} 报告。"
    users = desk.users
    if entry["org"].code == "east-grid" and kind == TicketKind.SERVICE_REQUEST:
        channel = rng.choice([channel, Channel.ON_SITE])  # requests made to the resident engineer
    if hotline:
        solved = FIRST_CONTACT.get(kind, 0.0)
        if kind == TicketKind.FAULT and severity in (Severity.L1, Severity.L2):
            solved = 0.0
        call, _created = services.hotline_call_log(
            actor=users[rng.choice(["agent", "agent2"])],
            caller_phone=contact.phone,
            caller_name=contact.name,
            contact=contact,
            notes=description,
            title=title,
            kind=kind,
            product=product,
            severity=severity if kind == TicketKind.FAULT else None,
            external_call_id=f"demo-call-{i:05d}",
            resolved_on_first_contact=rng.random() < solved,
        )
        assert call.ticket is not None
        ticket = call.ticket
    else:
        portal_users = [c.user for c in entry["contacts"] if c.user]
        if channel in (Channel.PORTAL, Channel.API) and portal_users:
            actor = rng.choice(portal_users)
            extra: dict[str, Any] = {"proposed_severity": severity}
        else:
            actor = users[rng.choice(["agent", "agent2", "manager"])]
            extra = {
                "organization": entry["org"],
                "contact": contact,
                "proposed_severity": severity,
            }
        ticket = services.ticket_create(
            actor=actor,
            title=title,
            kind=kind,
            channel=channel,
            product=product,
            product_version=version,
            description=description,
            impact=rng.choice(["", "影响部分用户", "影响全部业务", "可以绕过"]),
            area=rng.choice(AREAS) if kind == TicketKind.FAULT else "",
            **extra,
        )
    customer = _customer_of(ticket)
    if ticket.status == TicketStatus.RESOLVED:  # solved at first contact
        time_entry_add(
            actor=users["agent"],
            worked_on=timezone.localdate(),
            minutes=rng.randint(5, 25),
            mode=WorkMode.REMOTE,
            note="热线解答",
            ticket=ticket,
        )
        yield from _confirm(ticket, desk, rng, customer, first_contact=True)
        return
    yield from _handle(ticket, entry, desk, rng, customer, hold)


def _handle(
    ticket: Ticket, entry: dict[str, Any], desk: Desk, rng: random.Random, customer, hold: str
) -> Story:
    users, hours = desk.users, desk.hours
    urgent = ticket.severity in (Severity.L1, Severity.L2)
    if not hold and rng.random() < 0.04:  # withdrawn before anyone picked it up
        yield desk.hours.customer(rng, 0.5, 6)
        services.ticket_transition(
            ticket,
            actor=customer or users["agent"],
            to_status=TicketStatus.CANCELLED,
            comment="问题已自行解决，撤销申请。",
        )
        return
    # Dispatch and acknowledgement: the hotline group's duty agent answers around the clock
    # for urgent requests and most others; what waits for the morning is where the 7x24
    # response clock breaches.
    on_duty = urgent or rng.random() < 0.6
    yield HOLD if hold == "new" else hours.later(rng.uniform(5, 80), urgent=on_duty)
    engineer = _engineer_for(ticket, rng, users)
    on_site = _on_site(ticket, entry)
    team = desk.directory["teams"][TeamKind.ON_SITE if on_site else TeamKind.REMOTE]
    dispatcher = users[rng.choice(["agent", "agent2", "manager"])]
    ticket = services.ticket_assign(ticket, actor=dispatcher, team=team, assignee=engineer)
    if ticket.kind != TicketKind.CONSULTATION:
        services.comment_add(ticket, actor=dispatcher, body=ACKNOWLEDGED)
    yield HOLD if hold == "accepted" else hours.later(rng.uniform(5, 90), urgent=urgent)
    if ticket.kind == TicketKind.CONSULTATION:
        services.ticket_triage(
            ticket,
            actor=engineer,
            decision=TriageDecision.CONSULTATION_ANSWERED,
            answer="已电话说明操作步骤，并发送操作手册相关章节。",
        )
        _hours(engineer, ticket, rng, on_site=False, low=15, high=60)
        yield from _confirm(ticket, desk, rng, customer)
        return
    if ticket.kind == TicketKind.FAULT:
        confirmed = ticket.severity
        if rng.random() < 0.2:
            confirmed = rng.choice(Severity.values)
        ticket = services.ticket_triage(
            ticket, actor=engineer, decision=TriageDecision.FAULT, severity=confirmed
        )
        urgent = ticket.severity in (Severity.L1, Severity.L2)
    elif ticket.kind == TicketKind.CUSTOMIZATION:  # no fault: handled at the L4 pace
        ticket = services.ticket_triage(
            ticket, actor=engineer, decision=TriageDecision.CUSTOMIZATION, severity=Severity.L4
        )
    else:
        ticket = services.ticket_transition(
            ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS
        )
    if hold == "in_progress":
        yield HOLD
    if rng.random() < 0.15:
        yield hours.later(rng.uniform(20, 240), urgent=urgent)
        services.comment_add(
            ticket,
            actor=engineer,
            body="内部：疑似与上周补丁有关，需与研发确认。",
            is_internal=True,
        )
    if hold == "waiting" or rng.random() < 0.25:  # waiting for the customer pauses the clocks
        yield hours.later(rng.uniform(30, 240), urgent=urgent)
        services.ticket_transition(
            ticket,
            actor=engineer,
            to_status=TicketStatus.WAITING_CUSTOMER,
            comment="请提供出错时间段的应用日志。",
        )
        yield HOLD if hold == "waiting" else hours.customer(rng, 1, 70)
        if customer:
            services.comment_add(ticket, actor=customer, body="日志已上传，请查收。")
        else:
            services.ticket_transition(ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS)
    order = None
    if not hold and (
        ticket.kind == TicketKind.CUSTOMIZATION
        or (ticket.kind == TicketKind.FAULT and rng.random() < 0.3)
    ):
        order = yield from _work_order(ticket, desk, rng, engineer)
        ticket.refresh_from_db()
        if ticket.status != TicketStatus.RESOLVED:
            return
    else:
        yield _resolution_time(ticket, hours, rng)
        services.ticket_transition(
            ticket,
            actor=engineer,
            to_status=TicketStatus.RESOLVED,
            comment="已定位原因并修复，请确认。",
        )
    _hours(engineer, ticket, rng, on_site=on_site, low=30, high=360)
    if hold == "resolved":
        yield HOLD
    yield from _confirm(ticket, desk, rng, customer, engineer=engineer)
    if order is not None:  # done once its ticket is closed
        wo.work_order_close(order, actor=engineer)


def _resolution_time(ticket: Ticket, hours: WorkingHours, rng: random.Random) -> dt.timedelta:
    """Working time to a fix by severity: L1 and L2 mostly inside their 2 h and 4 h, L3
    and L4 mostly inside 3 and 7 working days; the tail is what breaches."""
    if ticket.severity == Severity.L1:
        return hours.later(rng.uniform(30, 140), urgent=True)
    if ticket.severity == Severity.L2:
        return hours.later(rng.uniform(45, 260), urgent=True)
    if ticket.severity == Severity.L3:
        return hours.days(rng, 0.1, 2.8)
    return hours.days(rng, 0.2, 6.5)


def _work_order(
    ticket: Ticket, desk: Desk, rng: random.Random, engineer: User
) -> Generator[dt.timedelta, None, WorkOrder]:
    """A fault or customization work order through sign-off to delivery (which resolves the
    ticket); a few are rejected once and submitted again, a few fail their first test."""
    users, hours = desk.users, desk.hours
    kind = wo.default_kind_for(ticket)
    assert ticket.product is not None
    code = ticket.product.code
    yield hours.later(rng.uniform(30, 240))
    agent = users[rng.choice(["agent", "agent2"])]
    order = wo.work_order_draft(actor=agent, kind=kind, title=ticket.title, tickets=[ticket])
    order = wo.work_order_submit(order, actor=agent)
    yield hours.later(rng.uniform(20, 480))
    manager = users["manager"]
    if rng.random() < 0.08:
        order = wo.work_order_reject(order, actor=manager, reason="请补充影响范围和复现步骤。")
        yield hours.later(rng.uniform(30, 240))
        order = wo.work_order_submit(order, actor=agent)
        yield hours.later(rng.uniform(30, 240))
    order = wo.work_order_approve(order, actor=manager, comment="同意处理。")
    yield hours.later(rng.uniform(10, 240))
    order = wo.work_order_start_analysis(order, actor=engineer)
    yield hours.days(rng, 0.2, 1)
    today = timezone.localdate()
    installed = desk.version_on(code, today - dt.timedelta(days=20))
    change = kind == WorkOrderKind.PERFECTIVE or rng.random() < 0.75
    order = wo.work_order_analyse(
        order,
        actor=engineer,
        root_cause="code_defect" if change else rng.choice(["configuration", "data", "usage"]),
        cause="日志显示在月末批处理时出现空指针异常。" if change else "参数配置与现场环境不符。",
        confirmed_severity=ticket.severity,
        software_change=change,
        affected_versions=[installed],
        report="<p>复现步骤与堆栈见附件。</p>",
    )
    if change:
        yield hours.days(rng, 0.5, 4 if kind == WorkOrderKind.PERFECTIVE else 2)
        order = wo.work_order_record_fix(order, actor=engineer, change="修正批处理的空值判断。")
        _hours(engineer, order, rng, on_site=False, low=120, high=900)
        yield hours.days(rng, 0.3, 2)
        tester = users["tester"]
        if rng.random() < 0.12:
            order = wo.work_order_record_test(
                order, actor=tester, passed=False, notes="回归测试发现汇总金额不一致。"
            )
            yield hours.days(rng, 0.5, 2)
            order = wo.work_order_record_fix(order, actor=engineer, change="补充修正汇总逻辑。")
            yield hours.days(rng, 0.3, 1)
        order = wo.work_order_record_test(order, actor=tester, passed=True, notes="回归测试通过。")
        _hours(tester, order, rng, on_site=False, low=60, high=300)
        yield hours.later(rng.uniform(30, 480))
    version = desk.version_on(code, timezone.localdate()) if change else None
    return wo.work_order_deliver(
        order,
        actor=engineer,
        note="已修复，请升级到新版本后验证。" if change else "已调整配置，请验证。",
        version=version,
    )


def _confirm(
    ticket: Ticket,
    desk: Desk,
    rng: random.Random,
    customer: User | None,
    *,
    engineer: User | None = None,
    first_contact: bool = False,
) -> Story:
    """The customer confirms and rates (lower when the ticket breached or came back), or
    rejects the resolution once; without an answer staff close it after a quiet period."""
    hours = desk.hours
    answers = customer is not None and rng.random() < 0.85
    if not answers:
        yield hours.days(rng, 3, 5)
        services.ticket_transition(
            ticket, actor=engineer or desk.users["agent"], to_status=TicketStatus.CLOSED
        )
        return
    assert customer is not None
    yield hours.customer(rng, 0.5, 60)
    if not first_contact and engineer is not None and rng.random() < 0.1:
        services.ticket_confirm(
            ticket, actor=customer, accepted=False, comment="问题仍然存在，请再看一下。"
        )
        yield hours.later(rng.uniform(60, 900))
        services.ticket_transition(
            ticket,
            actor=engineer,
            to_status=TicketStatus.RESOLVED,
            comment="补充修复了另一处配置，请再次确认。",
        )
        yield hours.customer(rng, 1, 48)
    rating = _rating(ticket, rng)
    services.ticket_confirm(
        ticket,
        actor=customer,
        accepted=True,
        rating=rating,
        comment="" if rating > 3 else "处理时间偏长。",
    )


def _rating(ticket: Ticket, rng: random.Random) -> int:
    late = ticket.clocks.filter(breached_at__isnull=False).exists()
    weights = [3, 6, 20, 35, 36] if late or ticket.reopen_count else [1, 2, 8, 30, 59]
    return rng.choices([1, 2, 3, 4, 5], weights=weights)[0]


def _hours(actor: User, subject: Any, rng: random.Random, *, on_site: bool, low: int, high: int):
    """服务机时: the time spent, recorded on the day of the work."""
    time_entry_add(
        actor=actor,
        worked_on=timezone.localdate(),
        minutes=rng.randint(low, high) // 5 * 5,
        mode=WorkMode.ON_SITE if on_site else WorkMode.REMOTE,
        note="现场处理" if on_site else "远程处理",
        **({"work_order": subject} if isinstance(subject, WorkOrder) else {"ticket": subject}),
    )


def _on_site(ticket: Ticket, entry: dict[str, Any]) -> bool:
    return entry["mode"] == ServiceMode.FULL and (
        ticket.channel == Channel.ON_SITE or ticket.severity in ("L1", "L2")
    )


def _engineer_for(ticket: Ticket, rng: random.Random, users: dict[str, User]) -> User:
    code = ticket.product.code if ticket.product else None
    fits = [
        name
        for name, skills in SKILLS.items()
        if any(p in (None, code) and (a == ticket.area or p == code) for p, a in skills)
    ]
    return users[rng.choice(fits or list(SKILLS))]


def _customer_of(ticket: Ticket) -> User | None:
    if ticket.requester and ticket.requester.role == Role.CUSTOMER:
        return ticket.requester
    if ticket.contact and ticket.contact.user:
        return ticket.contact.user
    return None


def load_ticket_stories(
    sim: Simulation, desk: Desk, start: dt.date, end: dt.date, rng: random.Random
) -> int:
    """Queue one story per arrival; each story draws from its own seeded generator, so
    the order the simulation interleaves them in does not change what they do."""
    times = [at for at in arrivals(start, end + dt.timedelta(days=1), rng) if at < sim.end]
    holds = [stage for stage in QUEUE_TAIL for _ in range(2)]
    for i, at in enumerate(times):
        hold = holds[len(times) - 1 - i] if len(times) - 1 - i < len(holds) else ""
        sim.spawn(at, ticket_story(desk, random.Random(rng.random()), i, hold))
    return len(times)
