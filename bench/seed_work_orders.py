"""Build a benchmark database of work orders with their linked tickets, by PostgreSQL COPY.

    .venv/bin/python bench/seed_work_orders.py \
        --database-url postgres://postgres@127.0.0.1:5432/sd_wo_bench

Drops and recreates the database (only local names starting with ``sd_wo_bench`` or
``sd_bench``), migrates it with ``manage.py migrate``, then loads, with the helpers of
``bench/seed.py`` (its ``Seeder`` for the directory, the tickets and their conversation, its
``Loader`` for COPY, its index detaching and parallel rebuild):

* the directory and ``--tickets`` tickets exactly as ``bench/seed.py`` makes them
  (``--organizations`` customers, Zipf-skewed), each open ticket with its next SLA
  deadline (``sla_due_at``, the column the work-order list reads: the response deadline
  until the first response, then the resolution deadline);
* ``--work-orders`` work orders: 60 % corrective, 25 % perfective, 15 % preventive, created
  after their first linked ticket; old orders are mostly done, the last 60 days spread over
  the whole lifecycle (about 4 % of all orders are submitted and await sign-off); numbers
  ``WO-<year>-<6 digits>`` unique per year as ``next_number`` makes them; sign-off, analysis,
  fix, test and delivery columns filled up to the order's status;
* 1 to 3 linked tickets per order (``WorkOrderTicket``): the first one, then tickets reported
  around the same time (the same fault seen again);
* the audit trail of each order's lifecycle (``WorkOrderEvent``, drafted ... done);
* deputies: ``engineer000`` signs for ``bench-manager`` (from 30 days ago to 30 days ahead),
  plus expired and future ranges of other managers.

Then it rebuilds the indexes and foreign keys on 2 connections, sets the id sequences and
the ticket and work-order number sequences, runs VACUUM ANALYZE and prints the time taken.
Logins: ``bench-manager`` (manager) and ``engineer000`` (deputy), password ``--password``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

from seed import (  # noqa: E402
    DEFAULT_PASSWORD,
    MODULES,
    NULL,
    RESOLUTIONS,
    SYMPTOMS,
    Loader,
    Seeder,
    detach_indexes,
    recreate_database,
    run_parallel,
    weighted,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_wo_bench"
DEPUTY_USERNAME = "engineer000"
RECENT_DAYS = 60
KINDS = (("corrective", 60), ("perfective", 25), ("preventive", 15))
# status by age: old orders are finished, the last RECENT_DAYS spread over the lifecycle
STATUS_OLD = (
    ("done", 84),
    ("cancelled", 8),
    ("delivered", 3),
    ("draft", 1),
    ("submitted", 0.3),
    ("approved", 0.7),
    ("analysis", 1),
    ("fixing", 1),
    ("testing", 1),
)
STATUS_RECENT = (
    ("draft", 10),
    ("submitted", 24),
    ("approved", 8),
    ("analysis", 10),
    ("fixing", 10),
    ("testing", 7),
    ("delivered", 8),
    ("done", 18),
    ("cancelled", 5),
)
PREVENTIVE_OLD = (("done", 90), ("cancelled", 8), ("approved", 2))
PREVENTIVE_RECENT = (("approved", 60), ("done", 35), ("cancelled", 5))
# how far each order got, in order (a cancelled order stopped somewhere on the way)
STEPS = ("draft", "submitted", "approved", "analysis", "fixing", "testing", "delivered", "done")
ROOT_CAUSES = ("code_defect", "configuration", "data", "environment", "usage", "third_party")
LINKS = ((1, 55), (2, 30), (3, 15))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_WO_DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--work-orders", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=300)
    parser.add_argument("--days", type=int, default=730, help="created_at spread (default 2y)")
    parser.add_argument("--seed", type=int, default=20261202, help="random seed (reproducible)")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="every user's password")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help="for number years")
    parser.add_argument(
        "--no-conversation", action="store_true", help="skip ticket comments and events"
    )
    args = parser.parse_args(argv)
    url = urlsplit(args.database_url)
    name = url.path.lstrip("/")
    if url.scheme not in ("postgres", "postgresql") or url.hostname not in (
        "127.0.0.1",
        "localhost",
    ):
        parser.error("--database-url must be a local PostgreSQL URL")
    if not name.startswith(("sd_wo_bench", "sd_bench")):
        parser.error(f"refusing to drop database {name!r}: it must start with sd_wo_bench")
    if args.tickets < 10 or args.work_orders < 1 or args.organizations < 3:
        parser.error("need at least 10 tickets, 1 work order and 3 organizations")
    return args


class WorkOrders:
    """Work orders, their ticket links and events, generated from a ``Seeder``'s tickets."""

    def __init__(self, seeder: Seeder, count: int) -> None:
        self.s = seeder
        self.n = count
        self.rng = seeder.rng
        self.year_last: dict[int, int] = {}
        self.deputy_id = 0

    def load(self) -> None:
        from maintenance.models import WorkOrder, WorkOrderEvent, WorkOrderTicket

        s, rng, ts, now = self.s, self.rng, self.s.clock, self.s.now
        n_tickets = len(s.t_created)
        # each order starts from one ticket; volume follows the tickets' (growing) volume
        firsts = sorted(rng.randrange(n_tickets) for _ in range(self.n))
        kinds = weighted(rng, KINDS, self.n)
        links = weighted(rng, LINKS, self.n)
        managers = s.staff_by_role["manager"]
        engineers = s.staff_by_role["engineer"]
        testers = s.staff_by_role["tester"]
        drafters = s.staff_by_role["agent"] + engineers + managers
        self.deputy_id = engineers[0]
        recent_from = now - RECENT_DAYS * 86400
        year_of = s._year_function()
        link_rows: list[str] = []
        event_rows: list[str] = []
        created_times = sorted(
            min(s.t_created[i] + 1800 + rng.random() * 3 * 86400, now - 120) for i in firsts
        )

        def rows() -> Iterator[str]:
            eid = lid = 0
            for k in range(self.n):
                oid = k + 1
                first, kind, t0 = firsts[k], kinds[k], created_times[k]
                recent = t0 >= recent_from
                if kind == "preventive":
                    status = weighted(rng, PREVENTIVE_RECENT if recent else PREVENTIVE_OLD, 1)[0]
                else:
                    status = weighted(rng, STATUS_RECENT if recent else STATUS_OLD, 1)[0]
                year = year_of(t0)
                seq = self.year_last.get(year, 0) + 1
                self.year_last[year] = seq
                number, _kind, _channel, severity = s.t_meta[first]
                product = rng.randint(1, len(s.versions))
                versions = s.versions[product]
                drafter = s.manager_id if rng.random() < 0.05 else rng.choice(drafters)
                module = rng.choice(MODULES)
                title = rng.choice(SYMPTOMS["fault" if kind != "perfective" else "customization"])
                title = title.format(m=module)
                title = title[0].upper() + title[1:]
                events: list[tuple[float, int | None, str, dict]] = []
                # the lifecycle up to ``status``: a time and an actor per step
                reached = status if status != "cancelled" else rng.choice(STEPS[:6])
                if kind == "preventive":
                    steps = ["approved"] + (["done"] if reached == "done" else [])
                    events.append((t0, None, "generated", {"occurrence": None}))
                else:
                    steps = list(STEPS[: STEPS.index(reached) + 1])
                    events.append((t0, drafter, "drafted", {"tickets": [number]}))
                no_change = kind == "corrective" and rng.random() < 0.3
                if no_change and "fixing" in steps and reached in ("delivered", "done"):
                    steps = [x for x in steps if x not in ("fixing", "testing")]
                at = t0
                times: dict[str, float] = {}
                engineer = rng.choice(engineers)
                manager = rng.choice(managers)
                signed_for = None
                for step in steps[1:] if kind != "preventive" else steps:
                    if kind == "preventive":
                        at = t0 if step == "approved" else at + rng.uniform(1, 14) * 86400
                    else:
                        at += rng.uniform(0.3, 36 if step != "testing" else 72) * 3600
                    at = min(at, now - 60)
                    times[step] = at
                    if kind == "preventive":
                        if step == "done":
                            events.append((at, engineer, "inspected", {"issues": 0}))
                            events.append((at, engineer, "done", {}))
                        continue
                    if step == "submitted":
                        events.append((at, drafter, "submitted", {}))
                    elif step == "approved":
                        if rng.random() < 0.15:  # the deputy signed for bench-manager
                            signed_for, manager = s.manager_id, self.deputy_id
                        signer = None if signed_for is None else "bench-manager"
                        events.append(
                            (at, manager, "approved", {"comment": "", "signed_for": signer})
                        )
                    elif step == "analysis":
                        events.append((at, engineer, "analysis_started", {}))
                    elif step == "fixing":
                        events.append(
                            (
                                at,
                                engineer,
                                "analysed",
                                {"root_cause": "code_defect", "software_change": True},
                            )
                        )
                    elif step == "testing":
                        events.append((at, engineer, "fixed", {"manual_section": None}))
                    elif step == "delivered":
                        if "testing" in times:
                            events.append(
                                (at - 600, rng.choice(testers), "tested", {"result": "passed"})
                            )
                        else:
                            events.append(
                                (
                                    at - 600,
                                    engineer,
                                    "analysed",
                                    {"root_cause": "configuration", "software_change": False},
                                )
                            )
                        events.append((at, engineer, "delivered", {"resolved": [number]}))
                    elif step == "done":
                        events.append((at, engineer, "done", {}))
                if status == "cancelled":
                    at = min(at + rng.uniform(1, 72) * 3600, now - 30)
                    events.append(
                        (at, drafter, "cancelled", {"reason": "Duplicate of another order."})
                    )
                # linked tickets: the first, then reports of the same fault around that time
                linked = [first]
                while len(linked) < links[k]:
                    other = min(max(first + rng.randint(-2000, 2000), 0), n_tickets - 1)
                    if other not in linked:
                        linked.append(other)
                for extra in linked[1:]:
                    events.append(
                        (t0 + 60, drafter, "ticket_linked", {"ticket": s.t_meta[extra][0]})
                    )
                for ticket in linked:
                    lid += 1
                    link_rows.append(f"{lid}\t{oid}\t{ticket + 1}\t{ts(t0)}")
                events.sort(key=_first)
                for when, actor, what, data in events:
                    eid += 1
                    event_rows.append(
                        f"{eid}\t{oid}\t{NULL if actor is None else actor}\t{what}\t"
                        f"{json.dumps(data, separators=(',', ':'))}\t{ts(when)}"
                    )
                engineering = kind != "preventive" and "approved" in times
                analysed = times.get("fixing") or (
                    times.get("delivered") if "analysis" in times else None
                )
                fixed = times.get("testing")
                delivered = times.get("delivered")
                cause = rng.choice(ROOT_CAUSES) if analysed else ""
                occurrence = (
                    datetime.fromtimestamp(t0 + 7 * 86400, s.tz).date().isoformat()
                    if kind == "preventive"
                    else NULL
                )
                yield "\t".join(
                    (
                        str(oid),
                        f"WO-{year}-{seq:06d}",
                        kind,
                        status,
                        title,
                        f"Reported in {number}: {module}.",
                        str(product),
                        severity,
                        str(s.engineer_team[engineer])
                        if engineering or kind == "preventive"
                        else NULL,
                        str(engineer) if engineering or kind == "preventive" else NULL,
                        str(drafter) if kind != "preventive" else NULL,
                        ts(times.get("submitted")),
                        str(manager) if "approved" in times and kind != "preventive" else NULL,
                        str(signed_for) if signed_for is not None else NULL,
                        ts(times.get("approved")),
                        cause,
                        f"The {module} fails under load." if analysed else "",
                        severity if analysed else "",
                        ("f" if no_change else "t") if analysed else NULL,
                        "Analysis attached." if analysed else "",
                        ts(analysed),
                        f"Changed the {module} query." if fixed else "",
                        str(engineer) if fixed else NULL,
                        str(rng.choice(testers)) if delivered and fixed else NULL,
                        "passed" if delivered and fixed else "",
                        str(versions[-1]) if delivered else NULL,
                        rng.choice(RESOLUTIONS) if delivered else "",
                        ts(delivered),
                        "Duplicate of another order." if status == "cancelled" else "",
                        occurrence,
                        ts(t0),
                        ts(max([t0, *times.values()])),
                        str(len(events)),
                    )
                )

        columns = [
            "id", "number", "kind", "status", "title", "description", "product_id", "severity",
            "team_id", "assignee_id", "drafted_by_id", "submitted_at", "approved_by_id",
            "approved_for_id", "approved_at", "root_cause", "root_cause_text",
            "confirmed_severity", "software_change", "analysis_report", "analysed_at",
            "change_summary", "fixed_by_id", "tested_by_id", "test_result",
            "delivered_version_id", "delivery_note", "delivered_at", "cancel_reason",
            "occurrence", "created_at", "updated_at", "version",
        ]  # fmt: skip
        s.load.copy(WorkOrder, columns, rows())
        s.load.copy(WorkOrderTicket, ["id", "work_order_id", "ticket_id", "created_at"], link_rows)
        s.load.copy(
            WorkOrderEvent,
            ["id", "work_order_id", "actor_id", "kind", "data", "created_at"],
            event_rows,
        )
        self.links, self.events = len(link_rows), len(event_rows)

    def deputies(self) -> None:
        from maintenance.models import Deputy

        s = self.s
        today = datetime.fromtimestamp(s.now, s.tz).date()
        day = 86400

        def on(offset: int) -> str:
            return datetime.fromtimestamp(s.now + offset * day, s.tz).date().isoformat()

        managers = [m for m in s.staff_by_role["manager"] if m != s.manager_id]
        engineers = s.staff_by_role["engineer"]
        rows = [f"1\t{s.manager_id}\t{self.deputy_id}\t{on(-30)}\t{on(30)}"]
        for k, manager in enumerate(managers[:6]):
            deputy = engineers[1 + k]
            start = -120 + 40 * k  # expired, current and future ranges
            rows.append(f"{k + 2}\t{manager}\t{deputy}\t{on(start)}\t{on(start + 14)}")
        s.load.copy(Deputy, ["id", "manager_id", "deputy_id", "starts_on", "ends_on"], rows)
        print(f"  deputies: {len(rows)} (one current for bench-manager, {today})")


def _first(item):
    return item[0]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    os.environ.setdefault("SECRET_KEY", "bench-seed-only")
    print(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}")
    recreate_database(args.database_url)
    step = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"], cwd=ROOT, check=True
    )
    print(f"  {'migrate':<36} {'':>10}      {time.perf_counter() - step:8.1f} s")

    import django

    django.setup()
    import psycopg2

    from maintenance.models import (
        Deputy,
        WorkOrder,
        WorkOrderEvent,
        WorkOrderSequence,
        WorkOrderTicket,
    )
    from tickets.choices import OPEN_STATUSES
    from tickets.models import Comment, Ticket, TicketEvent, TicketNumberSequence

    conn = psycopg2.connect(args.database_url)
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
    loader = Loader(conn)
    seeder = Seeder(args, loader)
    orders = WorkOrders(seeder, args.work_orders)
    big = [
        m._meta.db_table
        for m in (Ticket, Comment, TicketEvent, WorkOrder, WorkOrderTicket, WorkOrderEvent)
    ]
    index_statements, fk_statements = detach_indexes(conn, big)

    print("loading")
    seeder.directory()
    seeder.tickets()
    if not args.no_conversation:
        seeder.conversation()
    orders.load()
    orders.deputies()
    # the next SLA deadline of each open ticket (what the running clocks would give)
    loader.execute(
        "tickets.sla_due_at of open tickets",
        [
            f'UPDATE "{Ticket._meta.db_table}" SET sla_due_at = CASE WHEN first_response_at '
            "IS NULL THEN response_due_at ELSE resolution_due_at END "
            f"WHERE status IN ({', '.join(repr(str(s)) for s in sorted(OPEN_STATUSES))})"
        ],
    )

    print("indexes and constraints")
    for label, statements in (("indexes", index_statements), ("foreign keys", fk_statements)):
        step = time.perf_counter()
        run_parallel(args.database_url, statements)
        label = f"{len(statements)} {label} (2 connections)"
        print(f"  {label:<36} {'':>10}      {time.perf_counter() - step:8.1f} s")

    sequences = [
        f'INSERT INTO "{TicketNumberSequence._meta.db_table}" (year, last) VALUES ({y}, {n})'
        for y, n in sorted(seeder.year_last.items())
    ] + [
        f'INSERT INTO "{WorkOrderSequence._meta.db_table}" (year, last) VALUES ({y}, {n})'
        for y, n in sorted(orders.year_last.items())
    ]
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_name FROM information_schema.columns WHERE column_default LIKE "
            "'nextval%%' AND column_name = 'id' AND table_schema = 'public'"
        )
        serial = [row[0] for row in cur.fetchall()]
        cur.execute(
            "SELECT attrelid::regclass::text FROM pg_attribute WHERE attname = 'id' "
            "AND attidentity <> '' AND attrelid::regclass::text NOT LIKE 'pg_%%'"
        )
        serial += [row[0].strip('"') for row in cur.fetchall()]
    sequences += [
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
        f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)'
        for table in sorted(set(serial))
    ]
    loader.execute("number and id sequences", sequences)
    conn.autocommit = True
    loader.execute("VACUUM ANALYZE", ["VACUUM ANALYZE"])
    with conn.cursor() as cur:
        cur.execute("SELECT status, count(*) FROM maintenance_workorder GROUP BY 1 ORDER BY 2 DESC")
        statuses = cur.fetchall()
        cur.execute("SELECT kind, count(*) FROM maintenance_workorder GROUP BY 1 ORDER BY 2 DESC")
        kinds = cur.fetchall()
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
        cur.execute(f'SELECT count(*) FROM "{Deputy._meta.db_table}"')
        cur.fetchone()
    conn.close()
    total = time.perf_counter() - started
    n = args.work_orders
    print("kinds:", ", ".join(f"{k} {c:,} ({100 * c / n:.1f}%)" for k, c in kinds))
    print("statuses:", ", ".join(f"{k} {c:,} ({100 * c / n:.1f}%)" for k, c in statuses))
    print(
        f"done in {total:.0f} s: {args.tickets:,} tickets, {n:,} work orders, "
        f"{orders.links:,} ticket links ({orders.links / n:.2f}/order), {orders.events:,} "
        f"events ({orders.events / n:.2f}/order); database size {size}"
    )
    print(f"logins: bench-manager (manager), {DEPUTY_USERNAME} (deputy) / {args.password}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
