"""SLA sweep benchmark: the cost of a sweep follows what is due, not what is open.

    .venv/bin/python bench/sweep_bench.py --tickets 1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_sweep
    .venv/bin/python bench/sweep_bench.py --tickets 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_sweep100k

1. Builds the database (the name must start with ``sd_bench``): ``bench/seed.py`` makes the
   tickets (a subprocess, same flags), then this script COPYs a running response and a
   running resolution clock for every ticket into ``sla_slaclock`` (the default policy of
   ``policy_ensure_default()``: its version, targets and calendars), with start times such
   that each clock's next check (its warning) lies in the future. Exactly ``--due`` clocks
   are then made overdue: started long enough ago that their warning, deadline and for
   some the 200 % level are past. Their original values are kept in ``bench_sweep_due`` and
   the sweep instant in ``bench_sweep_meta``. ANALYZE. ``--reuse`` keeps a database built
   before (tickets and clocks), ``--reuse-tickets`` keeps the tickets and rebuilds the
   clocks.
2. Times ``sla_sweep(now=<the sweep instant>)`` in process, ``--repeats`` times. Before
   each run the due clocks are reset (state, warned/breached, escalated level, next check)
   and their escalation, clock-event and outbox rows deleted, then the tables vacuumed, so
   every run does the same work. Reports wall time (median), statements (an execute
   wrapper: SAVEPOINTs included, BEGIN/COMMIT not) and EXPLAIN (ANALYZE, BUFFERS) of the
   claim query as the sweep sends it (run in a transaction that is rolled back).
3. ``--profile`` adds one more run under cProfile (top functions by cumulative time).

Only 127.0.0.1 is used. Before building and before timing, it waits (up to 10 minutes)
while another benchmark (``bench/load.py``, wrk) is running, so the two don't disturb each
other. Raw results go to ``bench/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_sweep"
CLOCK_TABLE = "sla_slaclock"
BUSY_PATTERN = "bench/load.py|wrk "


# ----------------------------------------------------------------------------- helpers


def wait_until_quiet(max_wait: float = 600.0) -> None:
    """Wait while another benchmark runs on this machine (``pgrep -f``), at most max_wait."""
    started = time.monotonic()
    told = False
    while True:
        found = subprocess.run(
            ["pgrep", "-f", BUSY_PATTERN], capture_output=True, text=True, check=False
        )
        others = [p for p in found.stdout.split() if int(p) != os.getpid()]
        if not others:
            return
        if time.monotonic() - started > max_wait:
            print(f"  another benchmark is still running after {max_wait:.0f} s; going on")
            return
        if not told:
            print("  waiting for another benchmark to finish (bench/load.py, wrk) ...")
            told = True
        time.sleep(10)


class Stamp:
    """Epoch seconds (UTC) to COPY text, microseconds kept, the hour prefix cached."""

    def __init__(self) -> None:
        self._hours: dict[int, str] = {}

    def __call__(self, ts: float) -> str:
        micros = round(ts * 1_000_000)
        seconds, us = divmod(micros, 1_000_000)
        hour, rest = divmod(seconds, 3600)
        head = self._hours.get(hour)
        if head is None:
            head = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:")
            self._hours[hour] = head
        minute, second = divmod(rest, 60)
        if us:
            return f"{head}{minute:02d}:{second:02d}.{us:06d}+00"
        return f"{head}{minute:02d}:{second:02d}+00"


def seed_tickets(args: argparse.Namespace) -> None:
    command = [
        sys.executable,
        str(BENCH / "seed.py"),
        "--tickets",
        str(args.tickets),
        "--database-url",
        args.database_url,
    ]
    print("seeding tickets:", " ".join(command[1:]))
    subprocess.run(command, check=True)


def table_exists(cur, name: str) -> bool:
    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    return cur.fetchone()[0]


# ----------------------------------------------------------------------------- clocks


def build_clocks(args: argparse.Namespace) -> None:
    """COPY two running clocks per ticket, make ``--due`` of them overdue, ANALYZE."""
    import psycopg2
    from django.db import connection
    from seed import Loader, detach_indexes, run_parallel

    from sla.models import SlaClock, SlaTarget
    from sla.selectors import calendar_of, ordinary_day_minutes
    from sla.services import policy_ensure_default, target_minutes

    policy = policy_ensure_default()
    version = policy.versions.order_by("-number").first()
    targets = {
        t.severity: t
        for t in SlaTarget.objects.filter(version=version).select_related(
            "response_calendar", "resolution_calendar"
        )
    }
    connection.close()
    now = float(int(time.time()))
    now_dt = datetime.fromtimestamp(now, UTC)
    rng = random.Random(args.seed)

    # (kind, severity) -> calendar id, calendar object, target minutes, warn percent, the
    # wall span from "now" to the warning (the latest start whose warning is still ahead),
    # and wall minutes per business minute of an ordinary week
    plans: dict[tuple[str, str], tuple[int, Any, int, int, float, float]] = {}
    for severity, target in targets.items():
        for kind in ("response", "resolution"):
            row = getattr(target, f"{kind}_calendar")
            cal = calendar_of(row)
            minutes = target_minutes(
                getattr(target, f"{kind}_value"), getattr(target, f"{kind}_unit"), row.spec
            )
            warn = cal.add_business_minutes(now_dt, minutes * target.warn_percent / 100)
            span = warn.timestamp() - now
            day = ordinary_day_minutes(row.spec)
            ratio = 1.0 if day >= 24 * 60 else 7 * 24 * 60 / (5 * day)
            plans[kind, severity] = (row.pk, cal, minutes, target.warn_percent, span, ratio)

    conn = psycopg2.connect(args.database_url)
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
        cur.execute(f'TRUNCATE "{CLOCK_TABLE}" RESTART IDENTITY CASCADE')
        for name in ("bench_sweep_due", "bench_sweep_meta"):
            cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute("DELETE FROM servicedesk_outboxmessage WHERE topic LIKE 'sla.%%'")
        cur.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cur.fetchone()[0]
    conn.commit()
    index_statements, fk_statements = detach_indexes(conn, [CLOCK_TABLE])

    total = 2 * tickets
    due_ids = set(rng.sample(range(1, total + 1), min(args.due, total)))
    stamp = Stamp()
    version_id = version.pk

    def times(cal, started: float, minutes: int, warn_percent: int) -> tuple[float, float]:
        start = datetime.fromtimestamp(started, UTC)
        warn = cal.add_business_minutes(start, minutes * warn_percent / 100).timestamp()
        due = cal.add_business_minutes(start, minutes).timestamp()
        return warn, due

    source = psycopg2.connect(args.database_url)  # COPY busies the loading connection

    def rows():
        reader = source.cursor(name="tickets")  # server-side: 1M rows are not held in memory
        reader.itersize = 50_000
        reader.execute("SELECT id, severity FROM tickets_ticket ORDER BY id")
        clock_id = 0
        for ticket_id, severity in reader:
            for kind in ("response", "resolution"):
                clock_id += 1
                cal_id, cal, minutes, warn_percent, span, ratio = plans[kind, severity]
                if clock_id in due_ids:
                    # overdue: 105 % to 260 % of the target used (some past the 200 % level)
                    fraction = rng.uniform(1.05, 2.6)
                    wall = minutes * fraction * ratio * 60
                    started = float(int(now - wall))
                    warn, due = times(cal, started, minutes, warn_percent)
                    while due >= now:
                        started -= 86400
                        warn, due = times(cal, started, minutes, warn_percent)
                else:
                    # running, warning still ahead: started up to 95 % of the way to it
                    share = rng.random() * 0.95
                    while True:
                        started = float(int(now - share * span))
                        warn, due = times(cal, started, minutes, warn_percent)
                        if warn > now + 60:
                            break
                        share /= 2
                yield "\t".join(
                    (
                        str(clock_id),
                        str(ticket_id),
                        kind,
                        "running",
                        str(version_id),
                        severity,
                        str(cal_id),
                        str(minutes),
                        str(warn_percent),
                        stamp(started),
                        stamp(due),
                        stamp(warn),
                        stamp(warn),  # next check: the warning, the earliest pending time
                        stamp(now),
                    )
                )
        reader.close()
        source.commit()

    print("clocks")
    loader = Loader(conn)
    columns = [
        "id",
        "ticket_id",
        "kind",
        "state",
        "policy_version_id",
        "severity",
        "calendar_id",
        "target_minutes",
        "warn_percent",
        "started_at",
        "due_at",
        "warn_at",
        "next_check_at",
        "updated_at",
    ]
    loader.copy(SlaClock, columns, rows())
    source.close()
    started = time.perf_counter()
    run_parallel(args.database_url, index_statements)
    run_parallel(args.database_url, fk_statements)
    label = f"{len(index_statements)} indexes, {len(fk_statements)} foreign keys"
    print(f"  {label:<36} {'':>10}      {time.perf_counter() - started:8.1f} s")
    loader.execute(
        "due set, sweep instant",
        [
            f"SELECT setval(pg_get_serial_sequence('\"{CLOCK_TABLE}\"', 'id'), {max(total, 1)})",
            "CREATE TABLE bench_sweep_due AS SELECT id AS clock_id, started_at, due_at, "
            f'warn_at, next_check_at FROM "{CLOCK_TABLE}" WHERE next_check_at <= '
            f"to_timestamp({now})",
            "ALTER TABLE bench_sweep_due ADD PRIMARY KEY (clock_id)",
            "CREATE TABLE bench_sweep_meta (now timestamptz NOT NULL, tickets int NOT NULL, "
            "clocks int NOT NULL, due int NOT NULL)",
            f"INSERT INTO bench_sweep_meta SELECT to_timestamp({now}), {tickets}, {total}, "
            "(SELECT count(*) FROM bench_sweep_due)",
        ],
    )
    conn.autocommit = True
    loader.execute("VACUUM ANALYZE", [f'VACUUM ANALYZE "{CLOCK_TABLE}"', "ANALYZE bench_sweep_due"])
    conn.close()
    check_sample(rng)


def check_sample(rng: random.Random, count: int = 200) -> None:
    """The generated deadlines are what ``sla.services.schedule`` computes from the row."""
    from sla.models import SlaClock
    from sla.services import schedule

    last = SlaClock.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = rng.sample(range(1, last + 1), min(count, last))
    for clock in SlaClock.objects.filter(id__in=ids).select_related("calendar"):
        stored = (clock.due_at, clock.warn_at, clock.next_check_at)
        schedule(clock)
        for a, b in zip(stored, (clock.due_at, clock.warn_at, clock.next_check_at), strict=True):
            if abs((a - b).total_seconds()) > 0.001:
                raise SystemExit(f"clock {clock.pk}: stored {stored} but schedule() gives {b}")
    print(f"  {len(ids)} sampled clocks match schedule()")


# ----------------------------------------------------------------------------- timing


def reset_due() -> None:
    """Put the due clocks back as they were built; drop what a sweep wrote for them."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "DELETE FROM sla_slaclockevent WHERE clock_id IN (SELECT clock_id FROM bench_sweep_due)"
        )
        cur.execute(
            "DELETE FROM sla_slaescalation WHERE clock_id IN (SELECT clock_id FROM bench_sweep_due)"
        )
        cur.execute("DELETE FROM servicedesk_outboxmessage WHERE topic LIKE 'sla.%%'")
        cur.execute(
            f'UPDATE "{CLOCK_TABLE}" c SET state = %s, warned_at = NULL, breached_at = NULL, '
            "escalated_level = 0, started_at = d.started_at, due_at = d.due_at, "
            "warn_at = d.warn_at, next_check_at = d.next_check_at "
            "FROM bench_sweep_due d WHERE c.id = d.clock_id",
            ["running"],
        )
    with connection.cursor() as cur:  # autocommit: VACUUM cannot run in a transaction
        cur.execute(
            f'VACUUM "{CLOCK_TABLE}", sla_slaescalation, sla_slaclockevent, '
            "servicedesk_outboxmessage"
        )


class Counter:
    """An execute wrapper: counts statements, times them by kind, keeps the claim's SQL."""

    def __init__(self) -> None:
        self.count = 0
        self.claim: tuple[str, Any] | None = None
        self.by_kind: dict[str, list[float]] = {}

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if self.claim is None and "FOR UPDATE" in sql and CLOCK_TABLE in sql:
            self.claim = (sql, params)
        words = sql.split()
        verb = words[0].upper() if words else "?"
        table = next((w.strip('"') for w in words[1:4] if w.strip('"').islower()), "")
        if verb == "SELECT":
            table = "claim" if "FOR UPDATE" in sql else "other"
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            entry = self.by_kind.setdefault(f"{verb} {table}".strip(), [0, 0.0])
            entry[0] += 1
            entry[1] += time.perf_counter() - started

    def summary(self) -> str:
        return ", ".join(
            f"{kind} {n}x {seconds * 1000:.0f} ms" for kind, (n, seconds) in self.by_kind.items()
        )


def outbox_rows() -> int:
    """The outbox rows the SLA sweep wrote (digests; before them, one per escalation and
    recipient)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM servicedesk_outboxmessage WHERE topic LIKE 'sla.%%'")
        return cur.fetchone()[0]


def drain() -> dict[str, Any]:
    """Deliver the sweep's outbox rows with ``outbox_deliver_pending`` (Django's locmem email
    backend: rendering and bookkeeping, no network) until none is left; its wall time."""
    from django.core import mail

    from servicedesk.outbox import outbox_deliver_pending

    rows, sent, calls = outbox_rows(), 0, 0
    started = time.perf_counter()
    while True:  # one delivery run drains until empty or its time budget is spent
        result = outbox_deliver_pending()
        calls += 1
        sent += result.sent
        mail.outbox = []
        if not result.more:
            break
    wall = time.perf_counter() - started
    print(f"  drain: {sent:,} of {rows:,} rows sent in {wall:.2f} s ({calls} delivery calls)")
    return {"rows": rows, "sent": sent, "wall_s": wall, "calls": calls}


def timed_sweep(now: datetime, batch: int, profile: cProfile.Profile | None = None):
    from django.db import connection

    from sla.sweep import sla_sweep

    counter = Counter()
    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        result = sla_sweep(now=now, batch=batch)
        if profile is not None:
            profile.disable()
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
    return result, wall, cpu, counter


def explain(claim: tuple[str, Any]) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of the claim query, in a rolled-back transaction."""
    from django.db import connection, transaction

    sql, params = claim
    out: dict[str, Any] = {}
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            out["text"] = "\n".join(row[0] for row in cur.fetchall())
        transaction.set_rollback(True)
    root = plan[0]
    out["execution_ms"] = root.get("Execution Time")
    out["planning_ms"] = root.get("Planning Time")
    scans = []

    def walk(node: dict[str, Any]) -> None:
        if node.get("Relation Name") == CLOCK_TABLE:
            scans.append(
                {
                    "node": node["Node Type"],
                    "index": node.get("Index Name"),
                    "rows": node.get("Actual Rows", 0) * node.get("Actual Loops", 1),
                    "removed": node.get("Rows Removed by Filter", 0),
                    "shared_hit": node.get("Shared Hit Blocks", 0),
                    "shared_read": node.get("Shared Read Blocks", 0),
                }
            )
        for child in node.get("Plans", []):
            walk(child)

    walk(root["Plan"])
    out["clock_scans"] = scans
    out["buffers"] = root["Plan"].get("Shared Hit Blocks", 0) + root["Plan"].get(
        "Shared Read Blocks", 0
    )
    return out


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT now, tickets, clocks, due FROM bench_sweep_meta")
        now, tickets, clocks, due = cur.fetchone()
        cur.execute(
            f'SELECT count(*) FROM "{CLOCK_TABLE}" WHERE state = %s AND next_check_at > %s',
            ["running", now],
        )
        future = cur.fetchone()[0]
        cur.execute(
            f"SELECT percentile_disc(ARRAY[0.1, 0.5, 0.9, 0.99]) WITHIN GROUP "
            f'(ORDER BY next_check_at - %s) FROM "{CLOCK_TABLE}" WHERE next_check_at > %s',
            [now, now],
        )
        spread = [str(d) for d in cur.fetchone()[0]]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
    print(
        f"{tickets:,} tickets, {clocks:,} clocks ({future:,} running with a future check, "
        f"{due:,} due); sweep at {now.isoformat()}; database {size}"
    )
    print(
        f"  next check from the sweep instant: p10 {spread[0]}, p50 {spread[1]}, "
        f"p90 {spread[2]}, p99 {spread[3]}"
    )

    runs = []
    plan = None
    for i in range(args.repeats):
        reset_due()
        wait_until_quiet()
        result, wall, cpu, counter = timed_sweep(now, args.batch)
        # A clock whose next level falls exactly on the sweep instant is claimed again by a
        # later batch (a breach level is reached only strictly after it) and changes nothing.
        if not due <= result.clocks <= due + 100:
            raise SystemExit(f"run {i + 1}: swept {result.clocks} clocks, expected {due}")
        outbox = outbox_rows()
        runs.append(
            {
                "wall_s": wall,
                "cpu_s": cpu,
                "statements": counter.count,
                "clocks": result.clocks,
                "warnings": result.warnings,
                "breaches": result.breaches,
                "escalations": result.escalations,
                "digests": result.digests,
                "outbox_rows": outbox,
                "ms_per_clock": wall * 1000 / due,
                "batches": result.batches,
                "statements_by_kind": counter.by_kind,
            }
        )
        print(
            f"  run {i + 1}: {wall * 1000:7.0f} ms wall, {cpu * 1000:6.0f} ms CPU, "
            f"{counter.count:,} statements; {result.clocks} clocks, {result.warnings} "
            f"warnings, {result.breaches} breaches, {result.escalations} escalations, "
            f"{result.digests} digests, {outbox:,} outbox rows, {result.batches} batches; "
            f"{wall * 1000 / due:.3f} ms per due clock"
        )
        print(f"    statements: {counter.summary()}")
        with connection.cursor() as cur:
            cur.execute(f'SELECT count(*) FROM "{CLOCK_TABLE}" WHERE next_check_at < %s', [now])
            left = cur.fetchone()[0]
        if left:
            raise SystemExit(f"run {i + 1}: {left} clocks are still due after the sweep")
        if plan is None and counter.claim is not None:
            reset_due()
            plan = explain(counter.claim)

    drained = None
    if args.drain:
        reset_due()
        timed_sweep(now, args.batch)
        drained = drain()

    profile_text = None
    if args.profile:
        reset_due()
        profile = cProfile.Profile()
        timed_sweep(now, args.batch, profile)
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(30)
        profile_text = buffer.getvalue()
    reset_due()  # leave the database ready for the next run

    median = statistics.median(r["wall_s"] for r in runs)
    summary = {
        "tickets": tickets,
        "clocks": clocks,
        "due": due,
        "batch": args.batch,
        "runs": runs,
        "median_wall_s": median,
        "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
        "statements": runs[-1]["statements"],
        "plan": plan,
        "profile": profile_text,
        "drain": drained,
        "next_check_spread": spread,
        "database_size": size,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    if plan:
        print("claim query (first batch), EXPLAIN (ANALYZE, BUFFERS):")
        print("  " + plan["text"].replace("\n", "\n  "))
        for scan in plan["clock_scans"]:
            print(
                f"  {CLOCK_TABLE}: {scan['node']} {scan['index'] or ''}, {scan['rows']} rows, "
                f"{scan['removed']} removed by filter, "
                f"{scan['shared_hit'] + scan['shared_read']} buffers"
            )
    if profile_text:
        print(profile_text)
    print()
    print(
        "| open tickets | due | median wall | ms per clock | CPU | statements | escalations "
        "| outbox rows | drain |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    last = runs[-1]
    drain_text = f"{drained['wall_s']:.1f} s" if drained else "-"
    print(
        f"| {tickets:,} | {due:,} | {median * 1000:,.0f} ms | {median * 1000 / due:.3f} | "
        f"{summary['median_cpu_s'] * 1000:,.0f} ms | {summary['statements']:,} | "
        f"{last['escalations']:,} | {last['outbox_rows']:,} | {drain_text} |"
    )
    return summary


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--due", type=int, default=1000, help="clocks made overdue")
    parser.add_argument("--batch", type=int, default=500, help="sla_sweep batch size")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20260402)
    parser.add_argument("--reuse", action="store_true", help="keep tickets and clocks")
    parser.add_argument(
        "--reuse-tickets", action="store_true", help="keep the tickets, rebuild the clocks"
    )
    parser.add_argument("--profile", action="store_true", help="one more run under cProfile")
    parser.add_argument(
        "--drain", action="store_true", help="one more run, then deliver its outbox rows"
    )
    args = parser.parse_args(argv)
    parts = urlsplit(args.database_url)
    if not parts.path.lstrip("/").startswith("sd_bench"):
        parser.error("the database name must start with 'sd_bench'")
    if parts.hostname != "127.0.0.1":
        parser.error("only 127.0.0.1 is used")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import psycopg2

    built = False
    try:
        conn = psycopg2.connect(args.database_url)
        with conn.cursor() as cur:
            built = table_exists(cur, "bench_sweep_meta")
            has_tickets = table_exists(cur, "tickets_ticket")
        conn.close()
    except psycopg2.OperationalError:
        has_tickets = False
    if not (args.reuse or args.reuse_tickets) or not has_tickets:
        wait_until_quiet()
        seed_tickets(args)
        built = False

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "false"
    os.environ["CONN_MAX_AGE"] = "0"
    os.environ["EMAIL_URL"] = "memorymail://"  # locmem: the drain renders, records, sends nothing
    os.environ.setdefault("SECRET_KEY", "bench-sweep-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    import django

    django.setup()

    if not (args.reuse and built):
        wait_until_quiet()
        build_clocks(args)
    summary = measure(args)
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    name = f"sweep-{summary['tickets']}-{datetime.now():%Y%m%d-%H%M%S}.json"
    (results / name).write_text(json.dumps(summary, indent=2, default=str))
    print(f"raw results: bench/results/{name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
