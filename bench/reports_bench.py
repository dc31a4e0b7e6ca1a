"""Time the report metrics and the manager dashboard on a big database.

    .venv/bin/python bench/seed_work_orders.py --tickets 1000000 --work-orders 100000 \
        --organizations 2000 --database-url postgres://postgres@127.0.0.1:5432/sd_bench_metrics
    .venv/bin/python bench/reports_bench.py --prepare \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_metrics
    .venv/bin/python bench/reports_bench.py \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench_metrics

``--prepare`` (once, after seeding) migrates the database and adds what the seeders do not
make, set-based in SQL: a response and a resolution SLA clock per ticket (met, breached,
running or cancelled from the ticket's own timestamps and deadlines, elapsed business minutes
as 80% of the calendar minutes), and service hours (one time entry for 30% of the resolved
tickets, on-site for L1/L2). Then ANALYZE.

Without it: for the last full month (Asia/Shanghai) it times ``collect()`` for all
customers, for the biggest organization and for a median one, and the dashboard page
(``/reports/dashboard/``, in-process through Django's test client, server time only) for
``bench-manager``; ``--repeat`` runs each, printing the median and the worst.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_metrics"

CLOCKS = """
INSERT INTO sla_slaclock (ticket_id, kind, state, policy_version_id, severity, calendar_id,
    target_minutes, warn_percent, started_at, pauses, paused_minutes, due_at, escalated_level,
    stopped_at, met_at, breached_at, elapsed_minutes, updated_at)
SELECT t.id, %(kind)s,
    CASE WHEN t.{done} IS NOT NULL AND t.{done} > t.{due} THEN 'breached'
         WHEN t.{done} IS NOT NULL THEN 'met'
         WHEN t.status = 'cancelled' THEN 'cancelled'
         WHEN t.{due} < now() THEN 'breached'
         ELSE 'running' END,
    %(version)s, t.severity, %(calendar)s,
    GREATEST(1, EXTRACT(EPOCH FROM (t.{due} - t.created_at)) / 60)::int, 75, t.created_at,
    '[]'::jsonb, 0, t.{due}, 0,
    COALESCE(t.{done}, CASE WHEN t.status = 'cancelled' THEN t.updated_at END),
    CASE WHEN t.{done} <= t.{due} THEN t.{done} END,
    CASE WHEN (t.{done} IS NOT NULL AND t.{done} > t.{due})
              OR (t.{done} IS NULL AND t.status <> 'cancelled' AND t.{due} < now())
         THEN t.{due} END,
    CASE WHEN t.{done} IS NOT NULL
         THEN 0.8 * EXTRACT(EPOCH FROM (t.{done} - t.created_at)) / 60 END,
    now()
FROM tickets_ticket t WHERE t.{due} IS NOT NULL
"""

TIME_ENTRIES = """
INSERT INTO maintenance_timeentry (user_id, ticket_id, work_order_id, worked_on, minutes, mode,
    note, created_at)
SELECT t.assignee_id, t.id, NULL, (t.resolved_at AT TIME ZONE 'Asia/Shanghai')::date,
    30 + (t.id * 37) %% 211, CASE WHEN t.severity IN ('L1', 'L2') THEN 'on_site' ELSE 'remote' END,
    '', t.resolved_at
FROM tickets_ticket t
WHERE t.resolved_at IS NOT NULL AND t.assignee_id IS NOT NULL AND t.id %% 10 < 3
"""


def prepare() -> None:
    from django.core.management import call_command
    from django.db import connection

    from sla.models import ClockKind
    from sla.services import policy_ensure_default

    call_command("migrate", interactive=False, verbosity=0)
    policy = policy_ensure_default()
    version = policy.versions.order_by("-number").first()
    target = version.targets.get(severity="L3")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sla_slaclockevent, sla_slaescalation, sla_slaclock CASCADE")
        for kind, done, due, calendar in (
            (
                ClockKind.RESPONSE,
                "first_response_at",
                "response_due_at",
                target.response_calendar_id,
            ),
            (
                ClockKind.RESOLUTION,
                "resolved_at",
                "resolution_due_at",
                target.resolution_calendar_id,
            ),
        ):
            started = time.perf_counter()
            cursor.execute(
                CLOCKS.format(done=done, due=due),
                {"kind": kind.value, "version": version.pk, "calendar": calendar},
            )
            took = time.perf_counter() - started
            print(f"  {kind} clocks: {cursor.rowcount:,} rows in {took:.1f} s")
        started = time.perf_counter()
        cursor.execute("DELETE FROM maintenance_timeentry WHERE ticket_id IS NOT NULL")
        cursor.execute(TIME_ENTRIES, [])
        print(f"  time entries: {cursor.rowcount:,} rows in {time.perf_counter() - started:.1f} s")
        cursor.execute("ANALYZE")


def timed(label: str, repeat: int, work) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    print(f"  {label:<58} median {median * 1000:8.1f} ms   worst {max(runs) * 1000:8.1f} ms")
    return median


def measure(repeat: int) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from reports.metrics import collect
    from reports.periods import Period, Scope
    from servicedesk.models import User
    from tickets.models import Ticket

    today = timezone.localdate()
    last_month = Period.month(today.year, today.month).previous()
    print(f"period {last_month.label} ({last_month.start} .. {last_month.end})")
    in_month = Ticket.objects.filter(
        created_at__gte=last_month.start, created_at__lt=last_month.end
    )
    sizes = list(
        in_month.values("organization_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("organization_id", "n")
    )
    biggest, median_org = sizes[0], sizes[len(sizes) // 2]
    print(f"tickets received in the month: {sum(n for _o, n in sizes):,} in {len(sizes)} orgs")
    with CaptureQueriesContext(connection) as queries:
        collect(last_month, Scope())
    print(f"collect() runs {len(queries)} queries")
    timed("collect(), month, all customers", repeat, lambda: collect(last_month, Scope()))
    timed(
        f"collect(), month, biggest organization ({biggest[1]:,} tickets)",
        repeat,
        lambda: collect(last_month, Scope(organization=biggest[0])),
    )
    timed(
        f"collect(), month, median organization ({median_org[1]:,} tickets)",
        repeat,
        lambda: collect(last_month, Scope(organization=median_org[0])),
    )
    client = Client()
    client.force_login(User.objects.get(username="bench-manager"))
    for label, url in (
        ("dashboard, current month, all", "/reports/dashboard/"),
        ("dashboard, last month, all", f"/reports/dashboard/?period=month&date={last_month.label}"),
    ):

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        timed(label, repeat, get)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--prepare", action="store_true", help="add clocks and service hours")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    url = urlsplit(args.database_url)
    if url.hostname not in ("127.0.0.1", "localhost") or not url.path.lstrip("/").startswith(
        "sd_bench"
    ):
        parser.error("--database-url must be a local database whose name starts with sd_bench")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    import django

    django.setup()
    from django.conf import settings

    # no collectstatic in a bench checkout: plain static URLs (the page work is the same)
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    if args.prepare:
        prepare()
    else:
        # as servicedesk/wsgi.py does when a worker starts (URLconf, translations, templates)
        from servicedesk.warmup import warm_up

        warm_up()
        measure(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
