"""Scheduled-inspection generation benchmark: one run over 10,000 active plan items, then a
second run that must create nothing.

    .venv/bin/python bench/inspections_bench.py --items 10000 \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_plans

1. Builds the database (dropped and recreated; the name must start with ``sd_bench``):
   ``migrate``, then through the ORM (``bulk_create``) ``--contracts`` contracts and signed
   plans of ``--per-plan`` items each, ``--items`` active items in all, plus
   ``--inactive`` items of draft, submitted and closed plans (to be ignored). The items mix
   the kinds as plans have them: 40 % weekly, 30 % monthly, 10 % quarterly, 10 % yearly,
   10 % RRULE (four rule texts), lead times of 7 to 14 days, days chosen so that every
   active item falls due at least once in the run's window, checklists of 5 entries.
   ``--reuse`` keeps a database built before.
2. Times ``inspections_generate(today=--today)`` in process, ``--repeats`` times: a first
   run (creates the orders and their events) and a second run (creates nothing), each with
   the recurrence caches cleared (a fresh worker process), then a second run with warm
   caches (the same worker an hour later). Before each repeat the preventive orders and
   their events are deleted and the tables vacuumed. Reports wall time (median, min, max),
   statements (an execute wrapper; BEGIN/COMMIT not counted), orders created, and the time
   spent computing occurrences (outside the lock) measured separately. ``--naive N`` also
   times N orders made one by one (``next_number``, ``save``, an event each) in a rolled
   back transaction and extrapolates to the run's orders, for comparison.

Only 127.0.0.1 is used. Raw results go to ``bench/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_plans"
RRULES = (
    "FREQ=WEEKLY;BYDAY=MO,TH",
    "FREQ=MONTHLY;BYDAY=1MO,3MO",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE",
    "FREQ=DAILY;INTERVAL=5",
)
CHECKLIST = [
    "Disk space above 20%",
    "Backups restored on the test host",
    "Error log reviewed",
    "Certificates valid for 30 more days",
    "Patch level recorded",
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000, help="active plan items")
    parser.add_argument("--per-plan", type=int, default=10, help="items per plan")
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--inactive", type=int, default=2_000, help="items of unsigned plans")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 3, 25))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="keep a database built before")
    parser.add_argument(
        "--naive",
        type=int,
        default=2000,
        help="also time this many orders made one by one (next_number, create, event)",
    )
    args = parser.parse_args(argv)
    url = urlparse(args.database_url)
    if url.hostname not in ("127.0.0.1", "localhost") or not url.path.lstrip("/").startswith(
        "sd_bench"
    ):
        parser.error("only a local database whose name starts with sd_bench")
    return args


def recreate_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(parsed._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def schedule(i: int, today: dt.date) -> dict:
    """Item ``i``'s schedule: every kind, each due at least once in the run's window."""
    target = today + dt.timedelta(days=i % 7)  # a day inside every item's lead window
    lead = 7 + i % 8
    kind = i % 10
    if kind < 4:
        return {"recurrence": "weekly", "day": i % 7, "lead_days": lead}
    if kind < 7:
        return {"recurrence": "monthly", "day": min(target.day, 28), "lead_days": lead}
    if kind == 7:
        month = (target.month - 1) % 3 + 1
        return {"recurrence": "quarterly", "day": target.day, "month": month, "lead_days": lead}
    if kind == 8:
        return {"recurrence": "yearly", "day": target.day, "month": target.month, "lead_days": 7}
    return {"recurrence": "rrule", "rrule": RRULES[(i // 10) % len(RRULES)], "lead_days": lead}


def build(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from maintenance.choices import PlanStatus
    from maintenance.models import MaintenancePlan, PlanItem
    from servicedesk.choices import Role
    from servicedesk.models import Contract, Organization, Product, Team, User

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    today = args.today
    starts_on, ends_on = today - dt.timedelta(days=60), today + dt.timedelta(days=300)
    signed = timezone.make_aware(dt.datetime.combine(starts_on, dt.time(9)))
    drafter = User.objects.create_user("bench-agent", role=Role.AGENT)
    manager = User.objects.create_user("bench-manager", role=Role.MANAGER)
    product = Product.objects.create(code="bench", name="Bench product")
    teams = Team.objects.bulk_create(Team(name=f"Team {n}", kind="on_site") for n in range(10))
    orgs = Organization.objects.bulk_create(
        Organization(name=f"Customer {n}", code=f"c{n}") for n in range(args.contracts)
    )
    contracts = Contract.objects.bulk_create(
        Contract(organization=o, number=f"B-{n:05d}", starts_on=starts_on, ends_on=ends_on)
        for n, o in enumerate(orgs)
    )
    Contract.products.through.objects.bulk_create(
        Contract.products.through(contract_id=c.pk, product_id=product.pk) for c in contracts
    )

    def plans_for(count: int, status: str, offset: int) -> list[MaintenancePlan]:
        approved = status in (PlanStatus.APPROVED, PlanStatus.CLOSED)
        return MaintenancePlan.objects.bulk_create(
            MaintenancePlan(
                contract=contracts[(offset + n) % len(contracts)],
                title=f"Plan {offset + n}",
                starts_on=starts_on,
                ends_on=ends_on,
                team=teams[(offset + n) % len(teams)],
                status=status,
                drafted_by=drafter,
                approved_by=manager if approved else None,
                approved_at=signed if approved else None,
            )
            for n in range(count)
        )

    per_plan = args.per_plan
    active = plans_for(-(-args.items // per_plan), PlanStatus.APPROVED, 0)
    statuses = [PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.CLOSED]
    inactive = []
    for k, status in enumerate(statuses):
        inactive += plans_for(-(-args.inactive // per_plan // 3), status, 100_000 * (k + 1))

    def items(plans: list[MaintenancePlan], total: int) -> list[PlanItem]:
        return [
            PlanItem(
                plan=plans[i // per_plan],
                title=f"Inspection {i}",
                product=product,
                checklist=CHECKLIST,
                **schedule(i, today),
            )
            for i in range(total)
        ]

    PlanItem.objects.bulk_create(items(active, args.items), batch_size=2000)
    PlanItem.objects.bulk_create(items(inactive, args.inactive), batch_size=2000)
    vacuum("")
    print(
        f"  built: {args.items} active items in {len(active)} plans, {args.inactive} inactive, "
        f"{time.perf_counter() - started:.1f} s"
    )


def reset() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM maintenance_workorderevent WHERE work_order_id IN "
            "(SELECT id FROM maintenance_workorder WHERE kind = 'preventive')"
        )
        cur.execute("DELETE FROM maintenance_workorder WHERE kind = 'preventive'")
    vacuum("maintenance_workorder, maintenance_workorderevent")


def vacuum(tables: str) -> None:
    """VACUUM ANALYZE (outside a transaction, so on a connection of its own)."""
    import psycopg2

    conn = psycopg2.connect(os.environ["DATABASE_URL"])
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {tables}")
    conn.close()


def timed(today: dt.date, *, cold: bool) -> dict:
    from django.db import connection

    from maintenance import recurrence
    from maintenance.services import inspections

    if cold:
        recurrence._occurrences.cache_clear()
        recurrence._ever_occurs_cached.cache_clear()
    statements = 0
    locked_at: float | None = None

    def count(execute, sql, params, many, context):
        nonlocal statements, locked_at
        statements += 1
        if "FOR UPDATE" in sql and "workordersequence" in sql:
            locked_at = time.perf_counter()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        created = inspections.inspections_generate(today=today)
        ended = time.perf_counter()
    return {
        "seconds": ended - started,
        "created": created,
        "statements": statements,
        # from the sequence row's FOR UPDATE to the commit: drafting waits this long
        "lock_held_s": ended - locked_at if locked_at is not None else 0.0,
    }


def compute_only(today: dt.date) -> tuple[float, int]:
    from maintenance import recurrence
    from maintenance.services import inspections

    recurrence._occurrences.cache_clear()
    recurrence._ever_occurs_cached.cache_clear()
    started = time.perf_counter()
    due = inspections._due(today)
    return time.perf_counter() - started, len(due)


def naive(today: dt.date, count: int) -> float:
    """Orders per second the one-by-one way (a sequence UPDATE, an INSERT and an event
    INSERT per order), in a transaction that is rolled back."""
    from django.db import transaction
    from django.utils import timezone

    from maintenance.services import _common, inspections

    due = inspections._due(today)[:count]
    started = time.perf_counter()
    with transaction.atomic():
        for d in due:
            order = inspections._preventive(d, timezone.now())
            order.number = _common.next_number(timezone.now())
            order.save()
            _common.event(order, None, "generated", occurrence=str(d.occurrence))
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(due) / seconds


def summary_of(runs: list[dict]) -> dict:
    seconds = [r["seconds"] for r in runs]
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "created": sorted({r["created"] for r in runs}),
        "statements": sorted({r["statements"] for r in runs}),
        "lock_held_median_s": round(statistics.median(r["lock_held_s"] for r in runs), 3),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.reuse:
        recreate_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "false"
    os.environ["CONN_MAX_AGE"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-inspections-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("maintenance").setLevel(logging.WARNING)
    if not args.reuse:
        build(args)
    first, second_cold, second_warm, compute = [], [], [], []
    for n in range(args.repeats):
        reset()
        compute.append(compute_only(args.today))
        first.append(timed(args.today, cold=True))
        second_cold.append(timed(args.today, cold=True))
        second_warm.append(timed(args.today, cold=False))
        print(
            f"  repeat {n + 1}: first {first[-1]['seconds']:.2f} s "
            f"({first[-1]['created']} orders, {first[-1]['statements']} statements, "
            f"sequence locked {first[-1]['lock_held_s']:.2f} s), "
            f"second {second_cold[-1]['seconds']:.2f} s cold / "
            f"{second_warm[-1]['seconds']:.2f} s warm ({second_cold[-1]['created']} orders)"
        )
    result = {
        "items": args.items,
        "inactive_items": args.inactive,
        "today": args.today.isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "first_run": summary_of(first),
        "second_run_cold": summary_of(second_cold),
        "second_run_warm": summary_of(second_warm),
        "compute_occurrences_s": round(statistics.median(c[0] for c in compute), 3),
        "due": compute[0][1],
    }
    if args.naive:
        reset()
        rate = naive(args.today, args.naive)
        result["one_by_one_orders_per_s"] = round(rate)
        result["one_by_one_estimate_s"] = round(result["due"] / rate, 1)
    print(json.dumps(result, indent=2))
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (results / f"inspections_{stamp}.json").write_text(json.dumps(result, indent=2))
    ok = result["first_run"]["median_s"] < 10 and result["second_run_cold"]["created"] == [0]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
