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
import time
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import timezone

from servicedesk.choices import Role
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
from sla.holidays import holiday_dates
from sla.models import BusinessCalendar
from sla.services import CALENDAR_STANDARD, calendar_holidays_add, policy_ensure_default
from sla.sweep import sla_sweep
from tickets import services as ticket_services

from ._demo_clock import Clock, travelling
from ._demo_data import (
    CONTRACT_PRODUCTS,
    DEMO_PASSWORD,
    HISTORY_DAYS,
    MARKER_ORG,
    ORGANIZATIONS,
    PATCHES,
    PENDING_AT_START,
    PRODUCTS,
    SKILLS,
    STAFF,
    TEAMS,
)
from ._demo_knowledge import load_articles
from ._demo_maintenance import load_plans, load_releases, released_versions
from ._demo_portal import load_patch_notices, load_portal
from ._demo_simulation import Simulation, WorkingHours
from ._demo_tickets import Desk, load_ticket_stories
from ._demo_visits import load_patch_fix, load_visits


class Command(BaseCommand):
    help = "Load demo organizations, users of every role, products and ~200 tickets (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="random seed (deterministic)")

    def handle(self, *args, seed: int, verbosity: int = 1, **options):
        if Organization.objects.filter(code=MARKER_ORG).exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
            return
        started, cpu = time.monotonic(), time.process_time()
        end = timezone.now()
        first_day = timezone.localdate(end) - dt.timedelta(days=HISTORY_DAYS)
        clock = Clock(timezone.make_aware(dt.datetime.combine(first_day, dt.time(8, 0))))
        with transaction.atomic():
            with travelling(clock):  # the directory exists from the history's first morning
                directory = _load_directory(timezone.localdate(end))
                counts = _load_history(directory, clock, end, random.Random(seed))
                _load_canned_replies(directory["users"])
                load_patch_notices()
            load_portal(directory)
            load_articles(directory["users"])  # published now, after the history
            _settle_outbox()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {counts['tickets']} tickets over {HISTORY_DAYS} days "
                f"({counts['sweeps']} SLA sweeps) in {time.monotonic() - started:.0f} s "
                f"({time.process_time() - cpu:.0f} s of CPU)."
            )
        )
        if verbosity >= 1:
            self.stdout.write(logins_text())


def logins_text() -> str:
    """The demo accounts, for the console (demo only: one shared, documented password)."""
    rows = [f"  {u:<10} {Role(r).label}" for u, _first, _last, r, _p in STAFF]
    for _name, code, _phone, _address, contacts in ORGANIZATIONS:
        rows += [f"  {c[4]:<10} customer ({code})" for c in contacts if c[4]]
    return "\n".join([f"Demo logins (password for all: {DEMO_PASSWORD}):", *rows])


# --------------------------------------------------------------------------- directory


def _load_directory(today: dt.date) -> dict[str, Any]:
    """Release dates and contract periods count from ``today``, the real one."""
    password = make_password(DEMO_PASSWORD)  # hash once: the hasher is slow on purpose
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
        # The half-year's patches exist as numbers; each is published on its day.
        versions[code] += [
            ProductVersion.objects.create(product=product, version=number, released_on=None)
            for p_code, number, _days, _notes in PATCHES
            if p_code == code and number not in numbers
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
        orgs.append(
            {
                "org": org,
                "contacts": people,
                "products": [products[c] for c in codes],
                "mode": mode,
            }
        )
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
        ticket_services.canned_reply_create(
            actor=users[owner], name=name, language=language, body=body, shared=shared,
            set_status=status,
        )  # fmt: skip


# --------------------------------------------------------------------------- history


def _load_history(
    directory: dict[str, Any], clock: Clock, end: dt.datetime, rng: random.Random
) -> dict[str, int]:
    """About six months of the desk's life, from the clock's time to ``end``, run in time
    order: tickets, work orders, plans and inspections, patches and their notices, on-site
    visits, service hours, SLA sweeps."""
    start, first_day = clock.now(), timezone.localdate(clock.now())
    policy_ensure_default()
    _holidays_import(first_day.year, timezone.localdate(end).year)
    sim = Simulation(clock, start, end)
    desk = Desk(directory, WorkingHours(clock, _standard_spec()), released_versions(directory))
    load_releases(sim, desk, start, random.Random(rng.random()))
    load_plans(sim, desk, start, random.Random(rng.random()))
    load_visits(sim, desk)  # fixed times, no draw from rng: the other stories stay as they were
    load_patch_fix(sim, desk)
    tickets = load_ticket_stories(sim, desk, first_day, timezone.localdate(end), rng)
    sim.run()
    return {"tickets": tickets, "sweeps": sim.sweeps}


def _holidays_import(first: int, last: int) -> None:
    """China's public holidays and make-up workdays in the standard calendar, as the
    ``import_holidays`` command would, so the history's working days are real ones."""
    for year in range(first, last + 1):
        days_off, workdays = holiday_dates("CN", year)
        calendar_holidays_add(
            CALENDAR_STANDARD, days_off=days_off, workdays=workdays, replace_year=year
        )


def _standard_spec() -> dict[str, Any]:
    return BusinessCalendar.objects.get(name=CALENDAR_STANDARD).spec


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
