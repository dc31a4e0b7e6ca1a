"""HTTP load test against a seeded database (see bench/seed.py and docs/PERFORMANCE.md).

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/sd_bench

1. In-process checks on the bench database: an API token and a staff session for
   ``bench-manager``, queries per request of every scenario (CaptureQueriesContext), and
   EXPLAIN (ANALYZE, BUFFERS) of the API list query.
2. Starts gunicorn (2 sync workers, DEBUG off) on a free port of 127.0.0.1 and drives it with
   wrk (bench/scenario.lua) at 8 connections: a warm-up run, then the measured run, per
   scenario. All traffic goes to 127.0.0.1; gunicorn is stopped at the end.
3. Prints a Markdown summary table (paste it into docs/PERFORMANCE.md) and writes the raw
   results to bench/results/ (git-ignored).

``--profile`` adds a cProfile of N in-process requests per scenario (top functions by
cumulative time), to find where the time goes when a target is missed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench"
HOST = "127.0.0.1"
STAFF_USERNAME = "bench-manager"
FILTERS = [
    ("new", "L1"),
    ("new", "L3"),
    ("accepted", "L2"),
    ("in_progress", "L2"),
    ("in_progress", "L4"),
    ("waiting_customer", "L3"),
    ("resolved", "L1"),
    ("closed", "L3"),
    ("closed", "L4"),
    ("cancelled", "L2"),
]


BENCH_VIEWS = ("mine", "team", "unassigned", "breaching", "breached", "waiting")


@dataclass
class Scenario:
    key: str
    label: str
    method: str
    paths: list[str]
    headers: dict[str, str]
    body: str | None = None
    idempotent: bool = False
    expect: int = 200
    target_rps: float | None = None
    target_p99_ms: float | None = None


@dataclass
class Result:
    key: str
    label: str
    requests: int = 0
    rps: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    errors: int = 0
    non_2xx: int = 0
    queries: int | None = None
    inprocess: str = "?"
    load_before: float = 0.0
    target_rps: float | None = None
    target_p99_ms: float | None = None
    met: bool | None = None
    cpu: dict[str, float] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- setup


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    os.environ["ALLOWED_HOSTS"] = f"{HOST},testserver"
    import django

    django.setup()


def prepare_credentials() -> dict[str, Any]:
    """A write-scoped API token and a signed-in session for the bench staff user."""
    from django.conf import settings
    from django.test import Client

    from servicedesk.models import ApiToken, Organization, User
    from servicedesk.services import api_token_create

    user = User.objects.get(username=STAFF_USERNAME)
    ApiToken.objects.filter(user=user, name="bench-load").delete()
    _token, key = api_token_create(name="bench-load", user=user, scope="write", created_by=user)
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    # POSTs go to the biggest customers (where the contention would be in real life)
    organizations = list(Organization.objects.order_by("id").values_list("id", flat=True)[:5])
    # The views are measured as the engineer with the most open tickets (the busiest "mine").
    from django.db.models import Count, Q

    from tickets.choices import OPEN_STATUSES
    from tickets.models import Ticket

    engineer = (
        User.objects.filter(role="engineer", is_active=True)
        .annotate(n=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("-n", "id")
        .first()
    )
    ApiToken.objects.filter(user=engineer, name="bench-load").delete()
    _token, engineer_key = api_token_create(
        name="bench-load", user=engineer, scope="read", created_by=user
    )
    engineer_client = Client()
    engineer_client.force_login(engineer)
    open_tickets = list(
        Ticket.objects.filter(status__in=sorted(OPEN_STATUSES))
        .order_by("-created_at")
        .values_list("id", flat=True)[:20]
    )
    return {
        "engineer_token": engineer_key,
        "engineer_cookie": (
            f"{settings.SESSION_COOKIE_NAME}="
            f"{engineer_client.cookies[settings.SESSION_COOKIE_NAME].value}"
        ),
        "open_tickets": open_tickets,
        "user_id": user.pk,
        "token": key,
        "session_cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
        "organizations": organizations,
    }


def scenarios(creds: dict[str, Any]) -> list[Scenario]:
    list_paths = [
        f"/api/v1/tickets/?status={s}&severity={v}&ordering=-created_at" for s, v in FILTERS
    ]
    queue_paths = [f"/staff/?status={s}&severity={v}&ordering=-created_at" for s, v in FILTERS]
    auth = {"Authorization": f"Bearer {creds['token']}", "Accept": "application/json"}
    body = json.dumps(
        {
            "organization": creds["organizations"][0],
            "kind": "fault",
            "channel": "api",
            "title": "Load test __N__: report export fails",
            "description": "Generated by bench/load.py.",
            "proposed_severity": "L3",
            "area": "application",
        }
    )
    return [
        Scenario(
            "list",
            "(a) API list `GET /api/v1/tickets/?status&severity&ordering=-created_at`",
            "GET",
            list_paths,
            auth,
            target_rps=200,
            target_p99_ms=60,
        ),
        Scenario(
            "queue",
            "(b) staff queue `GET /staff/?status&severity&ordering=-created_at`",
            "GET",
            queue_paths,
            {"Cookie": creds["session_cookie"], "Accept": "text/html"},
            target_p99_ms=100,
        ),
        Scenario(
            "ticket",
            "(d) staff ticket page `GET /staff/tickets/<id>/` (20 open tickets, as a manager)",
            "GET",
            [f"/staff/tickets/{pk}/" for pk in creds["open_tickets"]],
            {"Cookie": creds["session_cookie"], "Accept": "text/html"},
            target_rps=100,
            target_p99_ms=100,
        ),
        Scenario(
            "views",
            "(e) queue views `GET /staff/?view=<mine, team, unassigned, breaching, breached, "
            "waiting>` (as the busiest engineer)",
            "GET",
            [f"/staff/?view={view}" for view in BENCH_VIEWS],
            {"Cookie": creds["engineer_cookie"], "Accept": "text/html"},
            target_p99_ms=100,
        ),
        Scenario(
            "views-api",
            "(f) the same views through the API `GET /api/v1/tickets/?view=<...>`",
            "GET",
            [f"/api/v1/tickets/?view={view}" for view in BENCH_VIEWS],
            {"Authorization": f"Bearer {creds['engineer_token']}", "Accept": "application/json"},
        ),
        Scenario(
            "approval",
            "(h) the managers' view `GET /staff/?view=approval` (as bench-manager)",
            "GET",
            ["/staff/?view=approval"],
            {"Cookie": creds["session_cookie"], "Accept": "text/html"},
            target_p99_ms=100,
        ),
        Scenario(
            "approval-api",
            "(i) the same view through the API `GET /api/v1/tickets/?view=approval`",
            "GET",
            ["/api/v1/tickets/?view=approval"],
            auth,
        ),
        Scenario(
            "counts",
            "(g) the views' counts `GET /staff/views/counts` (as the busiest engineer)",
            "GET",
            ["/staff/views/counts"],
            {"Cookie": creds["engineer_cookie"], "Accept": "text/html"},
            target_p99_ms=100,
        ),
        Scenario(
            "create",
            "(c) API create `POST /api/v1/tickets/` (Idempotency-Key)",
            "POST",
            ["/api/v1/tickets/"],
            {**auth, "Content-Type": "application/json"},
            body=body,
            idempotent=True,
            expect=201,
            target_rps=150,
            target_p99_ms=100,
        ),
    ]


def _client_request(client, scenario: Scenario, n: int):
    path = scenario.paths[n % len(scenario.paths)]
    meta = {
        "HTTP_" + name.upper().replace("-", "_"): value
        for name, value in scenario.headers.items()
        if name not in ("Cookie", "Content-Type")
    }
    if scenario.idempotent:
        meta["HTTP_IDEMPOTENCY_KEY"] = f"inproc-{uuid.uuid4().hex}"
    if scenario.method == "POST":
        body = (scenario.body or "").replace("__N__", f"inproc-{n}")
        return client.post(path, data=body, content_type="application/json", **meta)
    return client.get(path, **meta)


def _client_for(scenario: Scenario, creds: dict[str, Any]):
    from django.test import Client

    client = Client()
    cookie = scenario.headers.get("Cookie")
    if cookie:
        name, _, value = cookie.partition("=")
        client.cookies[name] = value
    return client


def count_queries(items: list[Scenario], creds: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Queries per request, in process, for each scenario (second request: warm caches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out: dict[str, dict[str, Any]] = {}
    for scenario in items:
        client = _client_for(scenario, creds)
        _client_request(client, scenario, 0)
        with CaptureQueriesContext(connection) as ctx:
            response = _client_request(client, scenario, 1)
        out[scenario.key] = {
            "status": response.status_code,
            "queries": len(ctx.captured_queries),
            "sql": [q["sql"] for q in ctx.captured_queries],
            "ms": [float(q["time"]) * 1000 for q in ctx.captured_queries],
        }
        if response.status_code != scenario.expect:
            print(
                f"!! {scenario.key}: HTTP {response.status_code} (expected {scenario.expect}): "
                f"{response.content[:300]!r}"
            )
    return out


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)  # warm
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def list_query(sqls: list[str]) -> str | None:
    """The page query of a list (the one reading tickets with a LIMIT)."""
    for sql in sqls:
        if 'FROM "tickets_ticket"' in sql and "LIMIT" in sql:
            return sql
    return None


def inprocess_timing(items: list[Scenario], creds: dict[str, Any], n: int) -> dict[str, Any]:
    """Wall and CPU time of this process per request (the test client, no HTTP, no
    gunicorn); CPU time is what a busy machine inflates least. PostgreSQL's own time
    (planning!) is in the wall time only."""
    out = {}
    for scenario in items:
        client = _client_for(scenario, creds)
        for i in range(3):
            _client_request(client, scenario, i)
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(n):
            _client_request(client, scenario, i)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        out[scenario.key] = {"wall_ms": wall / n * 1000, "cpu_ms": cpu / n * 1000, "n": n}
        print(
            f"{scenario.key}: in process {wall / n * 1000:.1f} ms wall, "
            f"{cpu / n * 1000:.1f} ms CPU per request ({n} requests)"
        )
    return out


def profile(items: list[Scenario], creds: dict[str, Any], n: int, top: int) -> dict[str, str]:
    out = {}
    for scenario in items:
        client = _client_for(scenario, creds)
        for i in range(3):
            _client_request(client, scenario, i)
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for i in range(n):
            _client_request(client, scenario, i)
        profiler.disable()
        elapsed = time.perf_counter() - started
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream).strip_dirs().sort_stats("cumulative")
        stats.print_stats(top)
        stream.write("\n-- by own time --\n")
        stats.sort_stats("tottime").print_stats(top)
        header = f"{scenario.key}: {n} requests in process, {elapsed / n * 1000:.1f} ms each\n"
        out[scenario.key] = header + stream.getvalue()
        print(header, end="")
    return out


# ----------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(database_url: str, static_root: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DEBUG="false",
        SECRET_KEY=os.environ["SECRET_KEY"],
        ALLOWED_HOSTS=HOST,
        STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="servicedesk.settings",
        # One token sends thousands of requests a second here: the per-user API limits
        # (docs/API.md) would answer 429; the benchmark measures the server, not them.
        API_THROTTLE_READ="",
        API_THROTTLE_WRITE="",
        API_THROTTLE_CUSTOMER_WRITE="",
    )
    return env


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, threads: int = 1
) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [
        str(gunicorn),
        "servicedesk.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync" if threads <= 1 else "gthread",
        "--threads",
        str(max(threads, 1)),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    command += ["--config", str(BENCH / "gunicorn_conf.py")]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    stop(proc)
    raise SystemExit("gunicorn did not answer /healthz within 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (e.g. to the login page) is a failure here, not something to follow."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def preflight(port: int, scenario: Scenario) -> None:
    """One real request through gunicorn: the status must be the expected one."""
    headers = dict(scenario.headers)
    data = None
    if scenario.idempotent:
        headers["Idempotency-Key"] = "preflight-" + uuid.uuid4().hex
    if scenario.body:
        data = scenario.body.replace("__N__", "preflight").encode()
    request = urllib.request.Request(
        f"http://{HOST}:{port}{scenario.paths[0]}",
        data=data,
        headers=headers,
        method=scenario.method,
    )
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
            body = response.read(300)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(300)
    if status != scenario.expect:
        raise SystemExit(f"{scenario.key}: preflight got HTTP {status}: {body!r}")


def run_wrk(
    port: int, scenario: Scenario, *, threads: int, connections: int, duration: int
) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        BENCH_METHOD=scenario.method,
        BENCH_PATHS="|".join(scenario.paths),
        BENCH_HEADERS="\n".join(f"{k}: {v}" for k, v in scenario.headers.items()),
        BENCH_IDEMPOTENCY="1" if scenario.idempotent else "0",
        BENCH_RUN_ID=uuid.uuid4().hex[:12],
        BENCH_EXPECT=str(scenario.expect),
    )
    if scenario.body:
        env["BENCH_BODY"] = scenario.body
    command = [
        shutil.which("wrk") or "/usr/bin/wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(BENCH / "scenario.lua"),
        f"http://{HOST}:{port}{scenario.paths[0]}",
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr}")
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            data = json.loads(line.removeprefix("BENCH_JSON "))
            data["wrk_output"] = done.stdout
            return data
    raise SystemExit(f"no BENCH_JSON in wrk output:\n{done.stdout}")


# ----------------------------------------------------------------------------- CPU accounting

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def cpu_snapshot(gunicorn_pgid: int, database: str) -> dict[str, Any]:
    """CPU seconds so far, per process, of: the gunicorn process group, the PostgreSQL
    backends of the bench database, every other PostgreSQL process; and of the whole
    machine (busy / idle) and of this script's waited-for children (wrk)."""
    pids: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            pgid = os.getpgid(pid)
        except OSError:
            continue
        if pgid == gunicorn_pgid:
            pids[pid] = ("gunicorn", _process_cpu(pid))
        elif cmdline.startswith("postgres:"):
            key = "postgres_bench" if f" {database} " in cmdline else "postgres_other"
            pids[pid] = (key, _process_cpu(pid))
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "pids": pids,
        "machine_busy": (sum(values[:8]) - idle) / CLOCK_TICKS,
        "machine_idle": idle / CLOCK_TICKS,
        "children": children.ru_utime + children.ru_stime,
    }


def cpu_per_request(before: dict[str, Any], after: dict[str, Any], requests: int) -> dict:
    """CPU milliseconds per request by process class during a measured run. A process
    that ended during the run is not counted (e.g. a recycled database connection), one
    that started is counted whole."""
    delta = {"gunicorn": 0.0, "postgres_bench": 0.0, "postgres_other": 0.0}
    for pid, (key, seconds) in after["pids"].items():
        delta[key] += seconds - before["pids"].get(pid, (key, 0.0))[1]
    for key in ("machine_busy", "machine_idle", "children"):
        delta[key] = after[key] - before[key]
    per = {
        "gunicorn_ms": delta["gunicorn"],
        "postgres_bench_ms": delta["postgres_bench"],
        "postgres_other_ms": delta["postgres_other"],
        "wrk_ms": delta["children"],
        "machine_busy_ms": delta["machine_busy"],
    }
    per = {key: value * 1000 / max(requests, 1) for key, value in per.items()}
    per["rest_ms"] = per["machine_busy_ms"] - sum(
        per[k] for k in ("gunicorn_ms", "postgres_bench_ms", "postgres_other_ms", "wrk_ms")
    )
    total = delta["machine_busy"] + delta["machine_idle"]
    per["machine_busy_pct"] = 100 * delta["machine_busy"] / total if total else 0.0
    return per


def to_result(scenario: Scenario, data: dict[str, Any], load_before: float) -> Result:
    seconds = data["duration_us"] / 1e6
    errors = sum(data[k] for k in ("errors_connect", "errors_read", "errors_write"))
    result = Result(
        key=scenario.key,
        label=scenario.label,
        requests=data["requests"],
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=errors + data["errors_timeout"],
        non_2xx=data["unexpected_status"],
        load_before=load_before,
        target_rps=scenario.target_rps,
        target_p99_ms=scenario.target_p99_ms,
        raw=data,
    )
    met = result.errors == 0 and result.non_2xx == 0
    if scenario.target_rps is not None:
        met = met and result.rps >= scenario.target_rps
    if scenario.target_p99_ms is not None:
        met = met and result.p99_ms < scenario.target_p99_ms
    result.met = met
    return result


# ----------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "postgresql": f"{pg} (shared_buffers {shared_buffers})",
        "python": platform.python_version(),
        "tickets": f"{tickets:,}",
    }


def markdown(results: list[Result], info: dict[str, str], args: argparse.Namespace) -> str:
    lines = [
        f"Run {datetime.now().strftime('%Y-%m-%d %H:%M')}: {info['tickets']} tickets; "
        f"{info['cpus']} CPUs ({info['cpu']}), {info['memory']}; PostgreSQL {info['postgresql']}; "
        f"Python {info['python']}; gunicorn {args.workers} "
        + (
            f"gthread workers x {args.worker_threads} threads; "
            if args.worker_threads > 1
            else "sync workers; "
        )
        + f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s "
        f"(after a {args.warmup}s warm-up)"
        + (f"; experiments: {', '.join(args.experiment)}." if args.experiment else "."),
        "",
        "| scenario | req/s | p50 ms | p90 ms | p99 ms | max ms | errors / non-2xx "
        "| queries/req | in-process ms (wall / CPU) | load avg before | target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in results:
        target = []
        if r.target_rps is not None:
            target.append(f">= {r.target_rps:.0f} req/s")
        if r.target_p99_ms is not None:
            target.append(f"p99 < {r.target_p99_ms:.0f} ms")
        lines.append(
            f"| {r.label} | {r.rps:,.0f} | {r.p50_ms:.1f} | {r.p90_ms:.1f} | {r.p99_ms:.1f} "
            f"| {r.max_ms:.0f} | {r.errors} / {r.non_2xx} "
            f"| {'?' if r.queries is None else r.queries} | {r.inprocess} | {r.load_before:.2f} "
            f"| {', '.join(target)} | {'yes' if r.met else 'NO'} |"
        )
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=20, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=1,
        help="threads per gunicorn worker (gthread, as docker-compose.yml runs it); 1: sync",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=[
            "list",
            "queue",
            "ticket",
            "views",
            "views-api",
            "approval",
            "approval-api",
            "counts",
            "create",
        ],
        help="repeatable",
    )
    parser.add_argument("--profile", type=int, default=0, help="cProfile N in-process requests")
    parser.add_argument("--profile-top", type=int, default=30)
    parser.add_argument(
        "--inprocess", type=int, default=30, help="time N in-process requests (0: skip)"
    )
    parser.add_argument(
        "--experiment",
        action="append",
        default=[],
        help="apply a candidate fix from bench/experiments.py (repeatable)",
    )
    parser.add_argument("--no-http", action="store_true", help="only the in-process checks")
    parser.add_argument("--out", default=str(BENCH / "results"), help="results directory")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
        parser.error("--duration must be 1..600 s and --warmup 0..60 s")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be 1..256")
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a PostgreSQL URL (the seeded bench database)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # one secret for this process and gunicorn: the session cookie made here must verify there
    os.environ["SECRET_KEY"] = "bench-" + uuid.uuid4().hex
    # DEBUG is off, so templates need the hashed static manifest: collect into a temp dir
    static_root = tempfile.mkdtemp(prefix="sd-bench-static-")
    env = server_env(args.database_url, static_root)
    collectstatic(env)
    os.environ["STATIC_ROOT"] = static_root
    os.environ["DEBUG"] = "false"
    try:
        return run(args, env)
    finally:
        shutil.rmtree(static_root, ignore_errors=True)


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    django_setup(args.database_url)
    if args.experiment:
        import experiments

        experiments.apply(args.experiment)
        env["BENCH_EXPERIMENTS"] = ",".join(args.experiment)
        print(f"experiments: {', '.join(args.experiment)}")
    from django.db import connection

    creds = prepare_credentials()
    items = [s for s in scenarios(creds) if not args.only or s.key in args.only]
    info = machine()
    print(f"machine: {info}")

    checks = count_queries(items, creds)
    for key, check in checks.items():
        print(f"{key}: HTTP {check['status']}, {check['queries']} queries")
    plan = ""
    sql = list_query(checks.get("list", {}).get("sql", []))
    if sql:
        plan = explain(sql)
        print("EXPLAIN (ANALYZE, BUFFERS) of the API list query:\n" + sql + "\n" + plan)
    queue_sql = list_query(checks.get("queue", {}).get("sql", []))
    queue_plan = explain(queue_sql) if queue_sql else ""
    timing = inprocess_timing(items, creds, args.inprocess) if args.inprocess else {}
    profiles = profile(items, creds, args.profile, args.profile_top) if args.profile else {}
    connection.close()

    results: list[Result] = []
    if not args.no_http:
        proc = None
        try:
            port = free_port()
            database = urlsplit(args.database_url).path.lstrip("/")
            proc = start_gunicorn(env, port, args.workers, args.worker_threads)
            print(f"gunicorn pid {proc.pid} on http://{HOST}:{port}")
            for scenario in items:
                preflight(port, scenario)
                if args.warmup:
                    run_wrk(
                        port,
                        scenario,
                        threads=args.threads,
                        connections=args.connections,
                        duration=args.warmup,
                    )
                load_before = os.getloadavg()[0]
                cpu_before = cpu_snapshot(proc.pid, database)
                data = run_wrk(
                    port,
                    scenario,
                    threads=args.threads,
                    connections=args.connections,
                    duration=args.duration,
                )
                cpu_after = cpu_snapshot(proc.pid, database)
                result = to_result(scenario, data, load_before)
                result.cpu = cpu_per_request(cpu_before, cpu_after, data["requests"])
                result.queries = checks.get(scenario.key, {}).get("queries")
                if scenario.key in timing:
                    t = timing[scenario.key]
                    result.inprocess = f"{t['wall_ms']:.1f} / {t['cpu_ms']:.1f}"
                results.append(result)
                print(
                    f"{scenario.key}: {result.rps:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                    f"p90 {result.p90_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, "
                    f"errors {result.errors}, non-2xx {result.non_2xx}"
                )
                print(
                    f"{scenario.key}: CPU ms per request: "
                    + ", ".join(
                        f"{k.removesuffix('_ms')} {v:.2f}"
                        for k, v in result.cpu.items()
                        if k.endswith("_ms")
                    )
                    + f"; machine busy {result.cpu['machine_busy_pct']:.0f}%"
                )
        finally:
            if proc is not None:
                stop(proc)

    table = markdown(results, info, args) if results else ""
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    report = {
        "machine": info,
        "args": vars(args),
        "queries": checks,
        "explain_list": {"sql": sql, "plan": plan},
        "explain_queue": {"sql": queue_sql, "plan": queue_plan},
        "inprocess": timing,
        "profiles": profiles,
        "results": [asdict(r) for r in results],
        "markdown": table,
    }
    path = out / f"load-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, default=str))
    for key, text in profiles.items():
        (out / f"profile-{key}-{stamp}.txt").write_text(text)
    print(f"\nraw results: {path}\n")
    if table:
        print(table)
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
