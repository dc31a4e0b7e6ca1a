"""Server time of the work-order list and the approval inbox (API and staff pages).

    .venv/bin/python bench/work_orders_load.py --runs 3 \
        --database-url postgres://postgres@127.0.0.1:5432/sd_wo_bench

On a database built by ``bench/seed_work_orders.py``, with the helpers of ``bench/load.py``
(gunicorn start and stop, wrk and ``bench/scenario.lua``, the CPU accounting, the query
capture and EXPLAIN):

1. API tokens and signed-in sessions for ``bench-manager`` (a manager) and ``engineer000``
   (deputy of bench-manager today).
2. Queries per request of each scenario (CaptureQueriesContext, second request), also with
   ``page_size=5`` for the API and a filter matching few rows for the page, to show that the
   count does not follow the rows; EXPLAIN (ANALYZE, BUFFERS) of every SELECT of a request.
3. ``--runs`` times: the server time of each scenario in process (the test client,
   ``time.perf_counter`` around each of ``--requests`` requests: median and p99), then
   gunicorn with 2 sync workers and wrk ``-c8 -d15s`` (after a 3 s warm-up) per scenario;
   each run records ``uptime``'s load average. The summary gives the median of the runs.

Raw results (SQL, plans, every run) go to ``bench/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import load  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_wo_bench"
MANAGER, DEPUTY = "bench-manager", "engineer000"
API = "/api/v1/work-orders/"
TARGET_MS = 100.0


def credentials() -> dict[str, dict[str, str]]:
    """A read token and a session cookie per bench user."""
    from django.conf import settings
    from django.test import Client

    from servicedesk.models import ApiToken, User
    from servicedesk.services import api_token_create

    out = {}
    for username in (MANAGER, DEPUTY):
        user = User.objects.get(username=username)
        ApiToken.objects.filter(user=user, name="bench-wo-load").delete()
        _token, key = api_token_create(
            name="bench-wo-load", user=user, scope="read", created_by=user
        )
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        out[username] = {
            "api": {"Authorization": f"Bearer {key}", "Accept": "application/json"},
            "page": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}", "Accept": "text/html"},
        }
    return out


def scenarios(creds: dict[str, dict[str, str]]) -> list[load.Scenario]:
    manager, deputy = creds[MANAGER], creds[DEPUTY]
    s = load.Scenario
    return [
        s("api-list", f"API list `GET {API}` (default -created_at)", "GET", [API], manager["api"]),
        s(
            "api-submitted",
            f"API list `GET {API}?status=submitted`",
            "GET",
            [f"{API}?status=submitted"],
            manager["api"],
        ),
        s(
            "api-inbox",
            f"API inbox `GET {API}?awaiting_my_approval=true`, manager",
            "GET",
            [f"{API}?awaiting_my_approval=true"],
            manager["api"],
        ),
        s("api-deputy-list", f"API list `GET {API}`, deputy", "GET", [API], deputy["api"]),
        s(
            "api-deputy-inbox",
            f"API inbox `GET {API}?awaiting_my_approval=true`, deputy",
            "GET",
            [f"{API}?awaiting_my_approval=true"],
            deputy["api"],
        ),
        s(
            "page-list",
            "staff page `GET /maintenance/work-orders/`",
            "GET",
            ["/maintenance/work-orders/"],
            manager["page"],
        ),
        s(
            "page-approvals",
            "staff page `GET /maintenance/approvals/`, manager",
            "GET",
            ["/maintenance/approvals/"],
            manager["page"],
        ),
    ]


def small_variant(scenario: load.Scenario) -> load.Scenario:
    """The same request returning few rows: 5 per page for the API, a rare filter for the
    list page (the inbox page has no filter: its count is compared across runs)."""
    path = scenario.paths[0]
    if path.startswith(API):
        path += ("&" if "?" in path else "?") + "page_size=5"
    elif path.startswith("/maintenance/work-orders/"):
        path += "?status=testing&kind=perfective"
    return load.Scenario(scenario.key, scenario.label, "GET", [path], scenario.headers)


def statement_plans(sqls: list[str]) -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT of one request."""
    plans = []
    for sql in sqls:
        if not sql.lstrip().upper().startswith("SELECT") or sql.strip() == "SELECT 1":
            continue
        plan = load.explain(sql)
        lines = plan.splitlines()
        timing = {
            key: float(line.split(":")[1].split()[0])
            for line in lines
            for key in ("Planning Time", "Execution Time")
            if line.startswith(key)
        }
        plans.append({"sql": sql, "plan": plan, "top": lines[0].strip(), **timing})
    return plans


def server_times(items: list[load.Scenario], n: int) -> dict[str, dict[str, float]]:
    """Per request wall time in process (the test client, no HTTP): median and p99."""
    out = {}
    for scenario in items:
        client = load._client_for(scenario, {})
        for i in range(5):
            load._client_request(client, scenario, i)
        samples, cpu = [], []
        for i in range(n):
            started, cpu_started = time.perf_counter(), time.process_time()
            response = load._client_request(client, scenario, i)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            if response.status_code != scenario.expect:
                raise SystemExit(f"{scenario.key}: HTTP {response.status_code}")
        samples.sort()
        out[scenario.key] = {
            "median_ms": statistics.median(samples),
            "p99_ms": samples[min(len(samples) - 1, int(len(samples) * 0.99))],
            "max_ms": samples[-1],
            "cpu_median_ms": statistics.median(cpu),
            "cpu_p99_ms": sorted(cpu)[min(len(cpu) - 1, int(len(cpu) * 0.99))],
            "n": n,
        }
        row = out[scenario.key]
        print(
            f"  {scenario.key}: in process median {row['median_ms']:.1f} ms, "
            f"p99 {row['p99_ms']:.1f} ms, CPU median {row['cpu_median_ms']:.1f} / "
            f"p99 {row['cpu_p99_ms']:.1f} ms ({n} requests)"
        )
    return out


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def http_run(
    items: list[load.Scenario], env: dict[str, str], args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    database = urlsplit(args.database_url).path.lstrip("/")
    port = load.free_port()
    proc = load.start_gunicorn(env, port, args.workers)
    try:
        for scenario in items:
            load.preflight(port, scenario)
            kwargs = {"threads": 2, "connections": args.connections}
            load.run_wrk(port, scenario, duration=args.warmup, **kwargs)
            load_before = os.getloadavg()[0]
            before = load.cpu_snapshot(proc.pid, database)
            data = load.run_wrk(port, scenario, duration=args.duration, **kwargs)
            after = load.cpu_snapshot(proc.pid, database)
            result = load.to_result(scenario, data, load_before)
            cpu = load.cpu_per_request(before, after, data["requests"])
            out[scenario.key] = {
                "rps": result.rps,
                "p50_ms": result.p50_ms,
                "p99_ms": result.p99_ms,
                "errors": result.errors,
                "non_2xx": result.non_2xx,
                "load_before": load_before,
                "cpu": cpu,
                "wrk": data["wrk_output"],
            }
            print(
                f"  {scenario.key}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                f"p99 {result.p99_ms:.1f} ms, errors {result.errors}/{result.non_2xx}; CPU ms "
                f"per request gunicorn {cpu['gunicorn_ms']:.1f}, postgres "
                f"{cpu['postgres_bench_ms']:.2f}, rest {cpu['rest_ms']:.1f}"
            )
    finally:
        load.stop(proc)
    return out


def summary(items: list[load.Scenario], report: dict[str, Any]) -> str:
    runs = report["runs"]
    lines = [
        "| scenario | queries (50 rows / few rows) | in process median / p99 ms | CPU ms | req/s "
        "| p50 ms | p99 ms | gunicorn + PostgreSQL CPU ms/req | under 100 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scenario in items:
        key = scenario.key

        inproc_med = statistics.median(r["inprocess"][key]["median_ms"] for r in runs)
        inproc_p99 = statistics.median(r["inprocess"][key]["p99_ms"] for r in runs)
        inproc_cpu = statistics.median(r["inprocess"][key]["cpu_median_ms"] for r in runs)
        http = [run["http"][key] for run in runs if key in run.get("http", {})]
        rps = statistics.median(h["rps"] for h in http) if http else float("nan")
        p50 = statistics.median(h["p50_ms"] for h in http) if http else float("nan")
        p99 = statistics.median(h["p99_ms"] for h in http) if http else float("nan")
        cpu = (
            statistics.median(h["cpu"]["gunicorn_ms"] + h["cpu"]["postgres_bench_ms"] for h in http)
            if http
            else float("nan")
        )
        q = report["queries"][key]
        lines.append(
            f"| {scenario.label} | {q['queries']} / {q['queries_small']} | {inproc_med:.1f} / "
            f"{inproc_p99:.1f} | {inproc_cpu:.1f} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {cpu:.1f} "
            f"| {'yes' if inproc_p99 < TARGET_MS else 'NO'} |"
        )
    loads = ", ".join(run["uptime"].split("load average:")[-1].strip() for run in runs)
    lines.append("")
    lines.append(f"Load average (1, 5, 15 min) at the start of each run: {loads}.")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="in-process requests")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per scenario")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", help="a scenario key (repeatable)")
    parser.add_argument("--no-http", action="store_true", help="in-process checks only")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="cProfile N requests each")
    args = parser.parse_args(argv)
    url = urlsplit(args.database_url)
    if url.scheme not in ("postgres", "postgresql") or url.hostname not in (
        "127.0.0.1",
        "localhost",
    ):
        parser.error("--database-url must be a local PostgreSQL URL (the seeded database)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # as bench/load.py: one secret for this process and gunicorn (the session cookies made
    # here must verify there), DEBUG off, so the templates need a static manifest
    os.environ.update(SECRET_KEY="bench-" + uuid.uuid4().hex, DEBUG="false")
    with tempfile.TemporaryDirectory(prefix="sd-bench-static-") as static_root:
        env = load.server_env(args.database_url, static_root)
        load.collectstatic(env)
        os.environ["STATIC_ROOT"] = static_root
        return run(args, env)


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    load.django_setup(args.database_url)
    from django.db import connection

    creds = credentials()
    items = [s for s in scenarios(creds) if not args.only or s.key in args.only]
    info = load.machine()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(*) FILTER (WHERE status = 'submitted') "
                       "FROM maintenance_workorder")  # fmt: skip
        orders, submitted = cursor.fetchone()
    info.update(work_orders=f"{orders:,}", submitted=f"{submitted:,}")
    print(f"machine: {info}")
    queries = load.count_queries(items, {})
    small = load.count_queries([small_variant(s) for s in items], {})
    report: dict[str, Any] = {"machine": info, "args": vars(args), "queries": {}, "runs": []}
    for scenario in items:
        key = scenario.key
        q = queries[key]
        q["queries_small"] = small[key]["queries"]
        if not args.no_explain:
            q["plans"] = statement_plans(q["sql"])
        report["queries"][key] = q
        print(f"{key}: HTTP {q['status']}, {q['queries']} queries ({q['queries_small']} few rows)")
        for plan in q.get("plans", []):
            print(
                f"    {plan.get('Execution Time', 0):7.2f} ms exec "
                f"{plan.get('Planning Time', 0):6.2f} ms plan  {plan['top'][:70]}  "
                f"{plan['sql'][:110]}"
            )
    if args.profile:
        for key, text in load.profile(items, {}, args.profile, 25).items():
            (BENCH / "results" / f"profile-wo-{key}.txt").write_text(text)
    for n in range(args.runs):
        run_info: dict[str, Any] = {"uptime": uptime()}
        print(f"run {n + 1}/{args.runs}: {run_info['uptime']}")
        run_info["inprocess"] = server_times(items, args.requests)
        connection.close()
        if not args.no_http:
            run_info["http"] = http_run(items, env, args)
        run_info["uptime_after"] = uptime()
        report["runs"].append(run_info)
    table = summary(items, report)
    report["markdown"] = table
    out = BENCH / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"work-orders-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nraw results: {path}\n\n{table}")
    worst = max(statistics.median(r["inprocess"][s.key]["p99_ms"] for r in report["runs"])
                for s in items) if report["runs"] else 0.0  # fmt: skip
    same = all(q["queries"] == q["queries_small"] for q in report["queries"].values())
    return 0 if worst < TARGET_MS and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
