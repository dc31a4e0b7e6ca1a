"""Load a deterministic demo data set: organizations, staff of every role, ~200 tickets.

Tickets are created and moved THROUGH ``tickets.services`` so that their events, comments,
hotline log and outbox rows look like real use; afterwards each ticket's timeline is moved
into the past weeks (creation order = number order). The demo's past notifications are
marked as delivered, except the newest few, which the worker sends on first start.

Like ``servicedesk/urls.py``, this command is a composition root: it may use every app.
Idempotent: it does nothing when the demo organizations exist already.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from servicedesk.choices import Role, TeamKind
from servicedesk.models import (
    Contact,
    Contract,
    Organization,
    OutboxMessage,
    Product,
    ProductVersion,
    Skill,
    Team,
    User,
)
from sla.sweep import sla_sweep
from tickets import services
from tickets.choices import Channel, Severity, TicketKind, TicketStatus, TriageDecision
from tickets.models import Ticket

from ._demo_data import (
    AREAS,
    CONTRACT_PRODUCTS,
    DEMO_PASSWORD,
    MARKER_ORG,
    ORGANIZATIONS,
    PENDING_AT_START,
    PLAN,
    PRODUCTS,
    SKILLS,
    STAFF,
    TEAMS,
    TITLES,
)
from ._demo_maintenance import load_maintenance
from ._demo_timeline import Timeline, move_back


class Command(BaseCommand):
    help = "Load demo organizations, users of every role, products and ~200 tickets (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (deterministic)")

    def handle(self, *args, seed: int, verbosity: int = 1, **options):
        if Organization.objects.filter(code=MARKER_ORG).exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
            return
        with transaction.atomic():
            directory = _load_directory()
            count = _load_tickets(directory, random.Random(seed))
            load_maintenance(directory, random.Random(seed))
            _load_canned_replies(directory["users"])
            _settle_outbox()
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {count} tickets."))
        if verbosity >= 1:
            self.stdout.write(logins_text())


def logins_text() -> str:
    """The demo accounts, for the console (demo only: one shared, documented password)."""
    rows = [f"  {u:<10} {Role(r).label}" for u, _first, _last, r, _p in STAFF]
    for _name, code, _phone, _address, contacts in ORGANIZATIONS:
        rows += [f"  {c[4]:<10} customer ({code})" for c in contacts if c[4]]
    return "\n".join([f"Demo logins (password for all: {DEMO_PASSWORD}):", *rows])


# --------------------------------------------------------------------------- directory


def _load_directory() -> dict[str, Any]:
    password = make_password(DEMO_PASSWORD)  # hash once: the hasher is slow on purpose
    today = timezone.localdate()
    products, versions = {}, {}
    for code, name, numbers in PRODUCTS:
        product = Product.objects.create(code=code, name=name)
        products[code] = product
        versions[code] = [
            ProductVersion.objects.create(
                product=product,
                version=number,
                released_on=today - dt.timedelta(days=400 - 150 * i),
            )
            for i, number in enumerate(numbers)
        ]
    users = {}
    for username, first, last, role, phone in STAFF:
        users[username] = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@servicedesk.example",
            role=role,
            phone=phone,
            password=password,
            is_staff=role in (Role.MANAGER, Role.ADMIN),
            is_superuser=role == Role.ADMIN,
        )
    managers = manager_group()
    for member in users.values():
        if member.role == Role.MANAGER:
            member.groups.add(managers)
    for username, skills in SKILLS.items():
        for skill_product, area in skills:
            skill_for = products[skill_product] if skill_product else None
            Skill.objects.create(user=users[username], product=skill_for, area=area)
    teams = {}
    for name, kind, lead, members in TEAMS:
        team = Team.objects.create(name=name, kind=kind, lead=users[lead])
        team.members.set([users[m] for m in members])
        teams[kind] = team
    orgs = []
    for i, (name, code, phone, address, contacts) in enumerate(ORGANIZATIONS, start=1):
        org = Organization.objects.create(name=name, code=code, phone=phone, address=address)
        codes, mode = CONTRACT_PRODUCTS[code]
        contract = Contract.objects.create(
            organization=org,
            number=f"HT-{today.year}-{i:03d}",
            starts_on=today - dt.timedelta(days=300),
            ends_on=today + dt.timedelta(days=430),
            service_mode=mode,
            owner=users["manager"],
        )
        contract.products.set([products[c] for c in codes])
        people = []
        for person, mobile, email, position, login in contacts:
            user = None
            if login:
                user = User.objects.create(
                    username=login,
                    first_name=person[1:],
                    last_name=person[0],
                    email=email,
                    phone=mobile,
                    role=Role.CUSTOMER,
                    organization=org,
                    password=password,
                )
            people.append(
                Contact.objects.create(
                    organization=org,
                    user=user,
                    name=person,
                    phone=mobile,
                    email=email,
                    position=position,
                )
            )
        orgs.append({"org": org, "contacts": people, "products": [products[c] for c in codes]})
    return {"orgs": orgs, "users": users, "teams": teams, "versions": versions}


# --------------------------------------------------------------------------- canned replies

CANNED_REPLIES = (  # (owner, name, language, body, shared, then set status)
    ("manager", "Fixed by patch", "en",
     "Dear {{customer_name}},\n\n{{ticket_number}} is fixed by the latest patch, now in "
     "Downloads. Please install it and confirm.\n\n{{agent_name}}", True, "resolved"),
    ("manager", "补丁已修复", "zh-hans",
     "{{customer_name}}您好：\n\n工单 {{ticket_number}} 的问题已由最新补丁修复，请在下载区获取"
     "并安装后确认。\n\n{{agent_name}}", True, "resolved"),
    ("manager", "请提供日志", "zh-hans",
     "{{customer_name}}您好：\n\n为分析工单 {{ticket_number}}，请提供故障发生时的系统日志。"
     "我们将在 {{deadline}} 前给出处理结果。", True, "waiting_customer"),
    ("agent", "Ask for a screenshot", "en",
     "Dear {{customer_name}}, could you send a screenshot of the error for "
     "{{ticket_number}}? Thank you.", False, ""),
)  # fmt: skip


def _load_canned_replies(users: dict[str, User]) -> None:
    for owner, name, language, body, shared, status in CANNED_REPLIES:
        services.canned_reply_create(
            actor=users[owner], name=name, language=language, body=body, shared=shared,
            set_status=status,
        )  # fmt: skip


# --------------------------------------------------------------------------- tickets


def _load_tickets(directory: dict[str, Any], rng: random.Random) -> int:
    now = timezone.now()
    plan = []
    for status, (count, oldest, newest) in PLAN.items():
        for _ in range(count):
            plan.append((now - dt.timedelta(days=rng.uniform(newest, oldest)), status))
    plan.sort()
    for i, (start, target) in enumerate(plan):
        timeline = Timeline()
        ticket = _create(directory, rng, timeline, i)
        _advance(ticket, target, directory, rng, timeline)
        move_back(ticket.pk, timeline, start, now, rng)
    return len(plan)


def _create(directory: dict[str, Any], rng: random.Random, timeline: Timeline, i: int) -> Ticket:
    entry = rng.choice(directory["orgs"])
    users = directory["users"]
    product = rng.choice(entry["products"])
    version = rng.choice(directory["versions"][product.code])
    kind = rng.choices(list(TITLES), weights=[40, 20, 15, 6, 5, 14])[0]
    title = rng.choice(TITLES[kind])
    contact = rng.choice(entry["contacts"])
    area = rng.choice(AREAS) if kind == TicketKind.FAULT else ""
    severity = rng.choices(Severity.values, weights=[5, 15, 40, 40])[0]
    description = f"{title}。{product.name} {version.version}，{contact.name} 报告。"
    channel = rng.choices(
        [Channel.PORTAL, Channel.HOTLINE, Channel.EMAIL, Channel.WEB, Channel.API, Channel.ON_SITE],
        weights=[35, 35, 10, 8, 7, 5],
    )[0]
    if channel == Channel.HOTLINE:
        first_contact = kind == TicketKind.CONSULTATION and rng.random() < 0.7
        call, _created = timeline.step(
            services.hotline_call_log,
            actor=users[rng.choice(["agent", "agent2"])],
            caller_phone=contact.phone,
            caller_name=contact.name,
            contact=contact,
            notes=description,
            title=title,
            kind=kind,
            product=product,
            severity=severity if kind == TicketKind.FAULT else None,
            external_call_id=f"demo-call-{i:04d}",
            resolved_on_first_contact=first_contact,
        )
        return call.ticket
    portal_users = [c.user for c in entry["contacts"] if c.user]
    if channel in (Channel.PORTAL, Channel.API) and portal_users:
        actor = rng.choice(portal_users)
        extra: dict[str, Any] = {"proposed_severity": severity}
    else:
        actor = users[rng.choice(["agent", "agent2", "manager"])]
        extra = {"organization": entry["org"], "contact": contact, "proposed_severity": severity}
    return timeline.step(
        services.ticket_create,
        actor=actor,
        title=title,
        kind=kind,
        channel=channel,
        product=product,
        product_version=version,
        description=description,
        impact=rng.choice(["", "影响部分用户", "影响全部业务", "可以绕过"]),
        area=area,
        **extra,
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


def _advance(
    ticket: Ticket,
    target: str,
    directory: dict[str, Any],
    rng: random.Random,
    timeline: Timeline,
) -> None:
    """Walk the ticket to ``target`` the way people would, one service call per step."""
    users, teams, step = directory["users"], directory["teams"], timeline.step
    customer = _customer_of(ticket)
    if ticket.status == TicketStatus.RESOLVED:  # hotline: solved at first contact
        if target in (TicketStatus.CLOSED, TicketStatus.CANCELLED) and customer:
            step(services.ticket_confirm, ticket, actor=customer, accepted=True, rating=5)
        return
    if target == TicketStatus.NEW:
        return
    if target == TicketStatus.CANCELLED and rng.random() < 0.5:
        actor = customer or users["agent"]
        step(
            services.ticket_transition,
            ticket,
            actor=actor,
            to_status=TicketStatus.CANCELLED,
            comment="问题已自行解决，撤销申请。",
        )
        return
    engineer = _engineer_for(ticket, rng, users)
    team = teams[TeamKind.ON_SITE if ticket.severity in ("L1", "L2") else TeamKind.REMOTE]
    dispatcher = users[rng.choice(["agent", "manager"])]
    step(services.ticket_assign, ticket, actor=dispatcher, team=team, assignee=engineer)
    if target == TicketStatus.ACCEPTED:
        return
    if target == TicketStatus.CANCELLED:
        step(
            services.ticket_transition,
            ticket,
            actor=engineer,
            to_status=TicketStatus.CANCELLED,
            comment="重复提交，已合并到其他工单。",
        )
        return
    answer_now = ticket.kind == TicketKind.CONSULTATION and target in (
        TicketStatus.RESOLVED,
        TicketStatus.CLOSED,
    )
    if answer_now:
        step(
            services.ticket_triage,
            ticket,
            actor=engineer,
            decision=TriageDecision.CONSULTATION_ANSWERED,
            answer="已电话说明操作步骤，并发送操作手册相关章节。",
        )
    else:
        _work(ticket, target, engineer, customer, rng, step)
        if target in (TicketStatus.IN_PROGRESS, TicketStatus.WAITING_CUSTOMER):
            return
        step(
            services.ticket_transition,
            ticket,
            actor=engineer,
            to_status=TicketStatus.RESOLVED,
            comment="已定位原因并修复，请确认。",
        )
    if target == TicketStatus.RESOLVED:
        return
    _close(ticket, engineer, customer, rng, step)


def _work(ticket, target, engineer, customer, rng, step) -> None:
    if ticket.kind == TicketKind.FAULT:
        severity = rng.choices(Severity.values, weights=[5, 15, 40, 40])[0]
        step(
            services.ticket_triage,
            ticket,
            actor=engineer,
            decision=TriageDecision.FAULT,
            severity=severity,
        )
    elif ticket.kind == TicketKind.CUSTOMIZATION:
        step(services.ticket_triage, ticket, actor=engineer, decision=TriageDecision.CUSTOMIZATION)
    else:
        step(services.ticket_transition, ticket, actor=engineer, to_status=TicketStatus.IN_PROGRESS)
    step(services.comment_add, ticket, actor=engineer, body="已收到，正在分析日志。")
    if rng.random() < 0.6:
        step(
            services.comment_add,
            ticket,
            actor=engineer,
            body="内部：疑似与上周补丁有关，需与研发确认。",
            is_internal=True,
        )
    waits = target == TicketStatus.WAITING_CUSTOMER or rng.random() < 0.3
    if waits:
        step(
            services.ticket_transition,
            ticket,
            actor=engineer,
            to_status=TicketStatus.WAITING_CUSTOMER,
            comment="请提供出错时间段的应用日志。",
        )
        if target != TicketStatus.WAITING_CUSTOMER and customer:
            step(services.comment_add, ticket, actor=customer, body="日志已上传，请查收。")
        elif target != TicketStatus.WAITING_CUSTOMER:
            step(services.ticket_transition, ticket, actor=engineer, to_status="in_progress")


def _close(ticket, engineer, customer, rng, step) -> None:
    if customer is None:
        step(services.ticket_transition, ticket, actor=engineer, to_status=TicketStatus.CLOSED)
        return
    if rng.random() < 0.12:  # the customer rejects the first resolution (reopen)
        step(
            services.ticket_confirm,
            ticket,
            actor=customer,
            accepted=False,
            comment="问题仍然存在，请再看一下。",
        )
        step(
            services.ticket_transition,
            ticket,
            actor=engineer,
            to_status=TicketStatus.RESOLVED,
            comment="补充修复了另一处配置，请再次确认。",
        )
    rating = rng.choices([5, 4, 3, 2], weights=[50, 30, 15, 5])[0]
    step(
        services.ticket_confirm,
        ticket,
        actor=customer,
        accepted=True,
        rating=rating,
        comment="" if rating > 3 else "处理时间偏长。",
    )


def _settle_outbox() -> None:
    """The demo's history was delivered at the time; leave the newest few for the worker.

    The SLA sweep runs first, so the warnings and breaches of the moved-back history are
    recorded (and count as delivered) instead of arriving all at once at start."""
    sla_sweep()
    keep = list(
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        .order_by("-id")
        .values_list("id", flat=True)[:PENDING_AT_START]
    )
    OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).exclude(id__in=keep).update(
        state=OutboxMessage.State.SENT, sent_at=models.F("created_at")
    )


# What a service-center manager looks after in the admin: the directory (customers,
# contracts, products, service groups, skills) to edit, everything else of the desk to read.
MANAGED_MODELS = (
    "organization",
    "contact",
    "contract",
    "product",
    "productversion",
    "team",
    "skill",
)
DESK_APPS = ("servicedesk", "tickets", "sla", "releases", "maintenance")


def manager_group():
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    group, _created = Group.objects.get_or_create(name="Service-center managers")
    perms = Permission.objects.filter(content_type__app_label__in=DESK_APPS).filter(
        Q(codename__startswith="view_")
        | Q(content_type__model__in=MANAGED_MODELS, codename__regex=r"^(add|change)_")
    )
    group.permissions.set(perms)
    return group
