"""Build a large, realistic benchmark database with PostgreSQL COPY.

    .venv/bin/python bench/seed.py --tickets 1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/sd_bench

Drops and recreates the named database (only names starting with ``sd_bench``), runs the
Django migrations on it, then streams generated rows into every table with ``COPY ... FROM
STDIN`` (text format, in chunks, never a file on disk). The indexes and foreign keys of the
three big tables are dropped before loading and rebuilt afterwards, which is several times
faster than maintaining them row by row. Ends with ANALYZE and prints timings per table.

Distributions: organizations Zipf-skewed (a few big customers, a long tail), ticket volume
growing over two years, kinds/severities/channels weighted like a real desk, old tickets
mostly closed and recent ones open, assignees for everything past "new", 3 comments and about
8 audit events per ticket on average.

Every generated user's password is ``--password`` (default below); the load test signs in as
``bench-manager`` (a service-center manager).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench"
DEFAULT_PASSWORD = "bench-Pass-123"
NULL = "\\N"

# ----------------------------------------------------------------------------- vocabulary

CITIES = [
    "Beijing",
    "Shanghai",
    "Guangzhou",
    "Shenzhen",
    "Hangzhou",
    "Nanjing",
    "Suzhou",
    "Wuhan",
    "Chengdu",
    "Chongqing",
    "Xian",
    "Tianjin",
    "Qingdao",
    "Dalian",
    "Xiamen",
    "Fuzhou",
    "Jinan",
    "Zhengzhou",
    "Changsha",
    "Hefei",
    "Kunming",
    "Nanning",
    "Harbin",
    "Shenyang",
    "Changchun",
    "Taiyuan",
    "Shijiazhuang",
    "Nanchang",
    "Guiyang",
    "Lanzhou",
]
SECTORS = [
    "Power Grid",
    "Water Supply",
    "Metro",
    "Hospital",
    "Securities",
    "Rural Bank",
    "Tax Bureau",
    "Customs",
    "Logistics",
    "Steel",
    "Tobacco",
    "Telecom",
    "Insurance",
    "University",
    "Airport",
    "Port Authority",
    "Social Security",
    "Gas",
    "Railway",
    "Pharmaceutical",
]
SUFFIXES = ("Co., Ltd.", "Group", "Bureau", "Center", "Corporation", "Institute")
SURNAMES = "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin He Guo Ma Luo"
GIVEN = "Wei Fang Na Min Jing Li Qiang Lei Jun Yang Yong Yan Jie Tao Ming Chao Xiu Hua Hui Ping"
SURNAMES_L, GIVEN_L = SURNAMES.split(), GIVEN.split()
POSITIONS = ("IT manager", "System administrator", "DBA", "Operator", "Finance clerk", "Director")
PRODUCTS = (
    ("erp", "Enterprise Resource Planning"),
    ("hrm", "Human Resources Suite"),
    ("crm", "Customer Relationship Manager"),
    ("oa", "Office Automation"),
    ("fin", "Financial Ledger"),
    ("wms", "Warehouse Management"),
    ("bi", "Business Intelligence Portal"),
    ("dms", "Document Management"),
    ("mes", "Manufacturing Execution"),
    ("pay", "Payment Gateway"),
    ("bill", "Utility Billing"),
    ("gis", "Network GIS"),
)
MODULES = [
    "report export",
    "login page",
    "month-end closing",
    "invoice printing",
    "approval workflow",
    "data import",
    "user permissions",
    "dashboard",
    "search",
    "mobile app",
    "scheduled jobs",
    "audit log",
    "backup task",
    "payroll run",
    "stock count",
    "interface to the bank",
    "SMS gateway",
    "license check",
]
SYMPTOMS = {
    "fault": (
        "{m} fails with an error",
        "{m} hangs after the upgrade",
        "{m} is very slow since Monday",
        "Server exits unexpectedly during {m}",
        "Wrong totals in {m}",
    ),
    "consultation": (
        "How do I configure {m}?",
        "Question about {m} limits",
        "Where can I find the {m} settings?",
    ),
    "service_request": (
        "Please reset access to {m}",
        "Request a training session on {m}",
        "Install the latest patch for {m}",
    ),
    "suggestion": ("Suggestion: improve {m}", "Add filters to {m}"),
    "complaint": ("Complaint: slow response about {m}", "Complaint: {m} issue unresolved"),
    "customization": ("Customize {m} for our process", "New field needed in {m}"),
}
PHRASES = (
    "Users in the finance department cannot continue their work.",
    "It started after last night's maintenance window.",
    "The error message says the connection was reset by the peer.",
    "We restarted the application server but the problem remains.",
    "About twenty users are affected at the head office.",
    "The log file shows a timeout when calling the database.",
    "This happens every day between 9 and 10 in the morning.",
    "Please advise whether a patch is available.",
    "A screenshot is attached to the previous message.",
    "Our workaround is to run the job manually, which takes an hour.",
)
REPLIES = (
    "Thank you, we are looking into it.",
    "Please send us the application log from the server.",
    "We reproduced the problem in our test environment.",
    "The patch has been delivered; please apply it and confirm.",
    "Could you tell us the exact version and the time it happened?",
    "Remote session finished, the service is running again.",
    "Confirmed, it works now. Thanks.",
    "The problem happened again this morning.",
    "Internal: root cause is a missing index on the history table.",
    "Internal: escalate to the database group if it recurs.",
)
RESOLUTIONS = (
    "Applied patch and verified with the customer.",
    "Configuration corrected; explained the setting to the user.",
    "Answered the question by phone.",
    "Rebuilt the index and restarted the service.",
    "Forwarded as a customization request to product development.",
)

# (value, weight)
KINDS = (
    ("consultation", 35),
    ("service_request", 20),
    ("fault", 25),
    ("customization", 8),
    ("suggestion", 7),
    ("complaint", 5),
)
SEVERITIES = (("L1", 3), ("L2", 10), ("L3", 37), ("L4", 50))
CHANNELS = (
    ("portal", 40),
    ("hotline", 30),
    ("email", 12),
    ("web", 6),
    ("api", 8),
    ("on_site", 4),
)
AREAS = (("application", 50), ("database", 20), ("os", 10), ("network", 10), ("other", 10))
# status by age of the ticket: old tickets are almost all finished
STATUS_OLD = (
    ("closed", 88),
    ("resolved", 2),
    ("cancelled", 6),
    ("in_progress", 2),
    ("waiting_customer", 1),
    ("accepted", 0.6),
    ("new", 0.4),
)
STATUS_RECENT = (
    ("closed", 20),
    ("resolved", 15),
    ("cancelled", 5),
    ("in_progress", 25),
    ("waiting_customer", 10),
    ("accepted", 12),
    ("new", 13),
)
RECENT_DAYS = 30
RESOLUTION_HOURS = {"L1": 2, "L2": 4, "L3": 72, "L4": 168}
STAFF_MIX = (("agent", 40), ("engineer", 120), ("tester", 20), ("manager", 8), ("admin", 2))
TEAMS = (
    ("Hotline", "hotline"),
    ("On-site North", "on_site"),
    ("On-site South", "on_site"),
    ("Remote Application", "remote"),
    ("Remote Database", "remote"),
    ("Remote Infrastructure", "remote"),
    ("Website", "website"),
)


def weighted(rng: random.Random, pairs, k: int) -> list:
    values = [v for v, _ in pairs]
    return rng.choices(values, weights=[w for _, w in pairs], k=k)


# ----------------------------------------------------------------------------- formatting


class Clock:
    """Fast epoch-seconds -> ``timestamptz`` text, cached per hour (millions of calls)."""

    def __init__(self) -> None:
        self._hours: dict[int, str] = {}
        self._rest = [f"{m:02d}:{s:02d}+00" for m in range(60) for s in range(60)]

    def __call__(self, ts: float | None) -> str:
        if ts is None:
            return NULL
        t = int(ts)
        hour, rest = divmod(t, 3600)
        head = self._hours.get(hour)
        if head is None:
            head = datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%d %H:")
            self._hours[hour] = head
        return head + self._rest[rest]


def text(value) -> str:
    """One value in COPY text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value, separators=(",", ":"))
    if isinstance(value, datetime):
        value = value.isoformat()
    value = str(value)
    if any(ch in value for ch in "\\\t\n\r"):
        value = (
            value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )
    return value


class LineReader:
    """A file-like object over an iterator of COPY lines, read by psycopg2 in blocks."""

    def __init__(self, lines: Iterable[str], block: int = 4000) -> None:
        self._lines = iter(lines)
        self._block = block
        self.count = 0

    def read(self, size: int = -1) -> str:
        chunk = []
        for line in self._lines:
            chunk.append(line)
            if len(chunk) >= self._block:
                break
        self.count += len(chunk)
        return "".join(chunk)

    readline = read


# ----------------------------------------------------------------------------- database


def admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def recreate_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    maintenance, name = admin_url(url)
    conn = psycopg2.connect(maintenance)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


class Loader:
    """COPY rows into a model's table; columns the generator does not fill get defaults."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.timings: list[tuple[str, int, float]] = []

    def copy(self, model, columns: list[str], rows: Iterable[str]) -> int:
        """``rows`` yields tab-joined values for ``columns`` without the newline."""
        table = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise SystemExit(f"{table}: no such columns {unknown}")
        extra = [c for c in fields if c not in columns]
        suffix = "".join("\t" + text(_default(fields[c])) for c in extra)
        all_columns = ", ".join(f'"{c}"' for c in [*columns, *extra])
        reader = LineReader(row + suffix + "\n" for row in rows)
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            cur.copy_expert(f'COPY "{table}" ({all_columns}) FROM STDIN', reader)
        self.conn.commit()
        elapsed = time.perf_counter() - started
        self.timings.append((table, reader.count, elapsed))
        rate = reader.count / elapsed if elapsed else 0
        print(f"  {table:<36} {reader.count:>10,} rows {elapsed:8.1f} s {rate:>9,.0f} rows/s")
        return reader.count

    def execute(self, label: str, statements: list[str]) -> float:
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        self.conn.commit()
        elapsed = time.perf_counter() - started
        print(f"  {label:<36} {'':>10}      {elapsed:8.1f} s")
        self.timings.append((label, 0, elapsed))
        return elapsed


def _default(field):
    if field.null and not field.has_default():
        return None
    value = field.get_default()
    if value is None and not field.null:
        raise SystemExit(f"{field.model._meta.db_table}.{field.column}: no value and no default")
    return value


def detach_indexes(conn, tables: list[str]) -> tuple[list[str], list[str]]:
    """Drop the secondary indexes, unique and foreign-key constraints of ``tables``.

    Returns the statements that recreate them (indexes first, then constraints).
    """
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.conrelid::regclass::text = ANY(%s) AND c.contype IN ('f', 'u')
            """,
            [tables],
        )
        constraints = cur.fetchall()
        cur.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [tables],
        )
        indexes = cur.fetchall()
        for table, name, _definition in constraints:
            cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f'DROP INDEX "{name}"')
    conn.commit()
    unique = [
        f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}' for t, n, d in constraints if "UNIQUE" in d
    ]
    foreign = [
        f'ALTER TABLE "{t}" ADD CONSTRAINT "{n}" {d}'
        for t, n, d in constraints
        if "UNIQUE" not in d
    ]
    return [d for _n, d in indexes] + unique, foreign


def run_parallel(url: str, statements: list[str], workers: int = 2) -> None:
    """Run DDL statements on ``workers`` connections (index builds use both cores)."""
    import threading

    import psycopg2

    queue = list(statements)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            cur.execute("SET max_parallel_maintenance_workers = 0")
            while True:
                with lock:
                    if not queue or errors:
                        break
                    statement = queue.pop(0)
                try:
                    cur.execute(statement)
                except BaseException as exc:  # reported after the join
                    errors.append(exc)
                    break
        conn.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


# ----------------------------------------------------------------------------- generation


class Seeder:
    def __init__(self, args: argparse.Namespace, loader: Loader) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.load = loader
        self.clock = Clock()
        self.now = time.time()
        self.start = self.now - args.days * 86400
        self.tz = ZoneInfo(args.time_zone)

    # --- reference data -----------------------------------------------------------------

    def directory(self) -> None:
        from django.contrib.auth.hashers import make_password

        from servicedesk.models import (
            Contact,
            Contract,
            Organization,
            Product,
            ProductVersion,
            Skill,
            Team,
            User,
        )

        rng, ts = self.rng, self.clock
        now_text = ts(self.now)
        n_orgs = self.args.organizations
        password = make_password(self.args.password)

        # organizations, skewed: weight ~ 1 / rank
        orgs = []
        for i in range(1, n_orgs + 1):
            city = CITIES[i % len(CITIES)]
            name = f"{city} {SECTORS[(i * 7) % len(SECTORS)]} {SUFFIXES[i % len(SUFFIXES)]} {i}"
            orgs.append((i, name, f"org-{i:05d}", f"+86 {rng.randint(10, 99)} {i:08d}"))
        self.load.copy(
            Organization,
            ["id", "name", "code", "phone", "address", "is_active", "created_at"],
            (f"{i}\t{n}\t{c}\t{p}\t{n.split()[0]} Road {i}\tt\t{now_text}" for i, n, c, p in orgs),
        )
        self.org_cum = list(_cumulative([1 / (rank**1.0) for rank in range(1, n_orgs + 1)]))

        # products and versions
        versions: dict[int, list[int]] = {}
        version_rows, vid = [], 0
        for pid, (_code, _name) in enumerate(PRODUCTS, start=1):
            versions[pid] = []
            for major in range(rng.randint(3, 4), 7):
                for minor in range(0, rng.randint(2, 3)):
                    vid += 1
                    versions[pid].append(vid)
                    day = datetime.fromtimestamp(self.start, UTC).date() + timedelta(
                        days=(major - 3) * 150 + minor * 40
                    )
                    version_rows.append(
                        f"{vid}\t{pid}\t{major}.{minor}\t{day}\tRelease {major}.{minor}"
                    )
        self.load.copy(
            Product,
            ["id", "code", "name"],
            (f"{pid}\t{code}\t{name}" for pid, (code, name) in enumerate(PRODUCTS, start=1)),
        )
        self.load.copy(
            ProductVersion, ["id", "product_id", "version", "released_on", "notes"], version_rows
        )
        self.versions = versions

        # users: staff first (ids 1..), then customers
        user_rows: list[str] = []
        uid = 0
        self.staff_by_role: dict[str, list[int]] = {}

        def add_user(username, first, last, role, org, is_staff=False, superuser=False):
            nonlocal uid
            uid += 1
            org_text = NULL if org is None else str(org)
            user_rows.append(
                "\t".join(
                    [
                        str(uid),
                        password,
                        NULL,
                        "t" if superuser else "f",
                        username,
                        first,
                        last,
                        f"{username}@example.com",
                        "t" if is_staff else "f",
                        "t",
                        now_text,
                        role,
                        org_text,
                        f"139{uid:08d}",
                        "f",
                        "",
                    ]
                )
            )
            return uid

        for role, count in STAFF_MIX:
            ids = self.staff_by_role.setdefault(role, [])
            for j in range(count):
                first, last = rng.choice(GIVEN_L), rng.choice(SURNAMES_L)
                ids.append(add_user(f"{role}{j:03d}", first, last, role, None, role == "admin"))
        self.manager_id = add_user("bench-manager", "Bench", "Manager", "manager", None)
        self.agent_id = add_user("bench-agent", "Bench", "Agent", "agent", None)
        self.staff_by_role["manager"].append(self.manager_id)

        # contacts: 2-8 per organization, about half with a portal login
        contact_rows: list[str] = []
        self.org_contacts: list[list[tuple[int, int | None]]] = [[] for _ in range(n_orgs + 1)]
        cid = 0
        for oid in range(1, n_orgs + 1):
            for _ in range(rng.randint(2, 8)):
                cid += 1
                first, last = rng.choice(GIVEN_L), rng.choice(SURNAMES_L)
                user_id = None
                if rng.random() < 0.5:
                    user_id = add_user(f"c{cid:06d}", first, last, "customer", oid)
                self.org_contacts[oid].append((cid, user_id))
                contact_rows.append(
                    f"{cid}\t{oid}\t{NULL if user_id is None else user_id}\t{last} {first}\t"
                    f"138{cid:08d}\tc{cid}@customer.example.com\t{rng.choice(POSITIONS)}"
                )
        self.load.copy(
            User,
            [
                "id",
                "password",
                "last_login",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "role",
                "organization_id",
                "phone",
                "is_away",
                "language",
            ],
            user_rows,
        )
        self.load.copy(
            Contact,
            ["id", "organization_id", "user_id", "name", "phone", "email", "position"],
            contact_rows,
        )

        # contracts: one per organization (a fifth have a second, older one), 1-3 products
        start_day = datetime.fromtimestamp(self.start, UTC).date()
        contract_rows, contract_products = [], []
        self.org_contract: list[tuple[int, list[int]]] = [(0, [])]
        kid, link = 0, 0
        for oid in range(1, n_orgs + 1):
            products = rng.sample(range(1, len(PRODUCTS) + 1), rng.randint(1, 3))
            for older in [True, False] if rng.random() < 0.2 else [False]:
                kid += 1
                begin = start_day - timedelta(days=400 if older else 30)
                end = start_day + timedelta(days=300 if older else self.args.days + 400)
                owner = rng.choice(self.staff_by_role["agent"])
                contract_rows.append(f"{kid}\t{oid}\tHT-{kid:06d}\t{begin}\t{end}\tfull\t{owner}")
                for product in products:
                    link += 1
                    contract_products.append(f"{link}\t{kid}\t{product}")
            self.org_contract.append((kid, products))
        self.load.copy(
            Contract,
            ["id", "organization_id", "number", "starts_on", "ends_on", "service_mode", "owner_id"],
            contract_rows,
        )
        through = Contract.products.through
        self.load.copy(
            through,
            ["id", through._meta.get_field("contract").column, "product_id"],
            contract_products,
        )

        # teams, members, skills
        engineers = self.staff_by_role["engineer"]
        team_rows, member_rows, self.engineer_team = [], [], {}
        for tid, (name, kind) in enumerate(TEAMS, start=1):
            team_rows.append(f"{tid}\t{name}\t{kind}\t{self.staff_by_role['manager'][tid % 8]}")
        mid = 0
        for n, engineer in enumerate(engineers):
            tid = 2 + n % (len(TEAMS) - 1)
            self.engineer_team[engineer] = tid
            mid += 1
            member_rows.append(f"{mid}\t{tid}\t{engineer}")
        for agent in self.staff_by_role["agent"]:
            mid += 1
            member_rows.append(f"{mid}\t1\t{agent}")
        self.load.copy(Team, ["id", "name", "kind", "lead_id"], team_rows)
        members = Team.members.through
        self.load.copy(
            members, ["id", members._meta.get_field("team").column, "user_id"], member_rows
        )
        skill_rows, sid = [], 0
        for engineer in engineers:
            seen = set()
            for _ in range(rng.randint(1, 4)):
                product = rng.choice([None, *range(1, len(PRODUCTS) + 1)])
                area = weighted(rng, AREAS, 1)[0]
                if (product, area) in seen:
                    continue
                seen.add((product, area))
                sid += 1
                skill_rows.append(
                    f"{sid}\t{engineer}\t{NULL if product is None else product}\t{area}"
                )
        self.load.copy(Skill, ["id", "user_id", "product_id", "area"], skill_rows)
        # engineers' workload is skewed too
        self.engineer_cum = list(_cumulative([1 / (i + 3) for i in range(len(engineers))]))
        self.table_ids = {
            "servicedesk_organization": n_orgs,
            User._meta.db_table: uid,
            Contact._meta.db_table: cid,
            Contract._meta.db_table: kid,
            Product._meta.db_table: len(PRODUCTS),
            ProductVersion._meta.db_table: vid,
            Team._meta.db_table: len(TEAMS),
            Skill._meta.db_table: sid,
        }

    # --- tickets ------------------------------------------------------------------------

    def tickets(self) -> None:
        from tickets.models import Ticket

        rng, ts, n = self.rng, self.clock, self.args.tickets
        span = self.now - self.start
        # volume grows over time: density ~ linear, so t = start + span * sqrt(u)
        created = sorted(self.start + span * (rng.random() ** 0.5) for _ in range(n))
        kinds = weighted(rng, KINDS, n)
        severities = weighted(rng, SEVERITIES, n)
        channels = weighted(rng, CHANNELS, n)
        areas = weighted(rng, AREAS, n)
        orgs = [
            bisect.bisect_left(self.org_cum, rng.random() * self.org_cum[-1]) + 1 for _ in range(n)
        ]
        status_old = weighted(rng, STATUS_OLD, n)
        status_recent = weighted(rng, STATUS_RECENT, n)
        recent_from = self.now - RECENT_DAYS * 86400
        engineers = self.staff_by_role["engineer"]
        agents = self.staff_by_role["agent"]

        # what the comment and event generators need, one entry per ticket
        self.t_created = created
        self.t_status: list[str] = []
        self.t_requester: list[int | None] = []
        self.t_assignee: list[int | None] = []
        self.t_agent: list[int] = []
        self.t_resolved: list[float | None] = []
        self.t_closed: list[float | None] = []
        self.t_meta: list[tuple[str, str, str, str]] = []  # number, kind, channel, severity

        year_last: dict[int, int] = {}
        year_of = self._year_function()

        def rows() -> Iterator[str]:
            for i in range(n):
                tid = i + 1
                t0 = created[i]
                kind, sev, channel, org = kinds[i], severities[i], channels[i], orgs[i]
                status = status_recent[i] if t0 >= recent_from else status_old[i]
                year = year_of(t0)
                seq = year_last.get(year, 0) + 1
                year_last[year] = seq
                number = f"SD-{year}-{seq:06d}"
                contact_id, requester = rng.choice(self.org_contacts[org])
                if channel not in ("portal", "api"):
                    requester_created = rng.choice(agents)
                else:
                    requester_created = requester or rng.choice(agents)
                contract_id, products = self.org_contract[org]
                if rng.random() < 0.9:
                    product = rng.choice(products)
                    contract = contract_id
                else:
                    product = rng.randint(1, len(PRODUCTS))
                    contract = contract_id if product in products else None
                version = rng.choice(self.versions[product])
                agent = rng.choice(agents)
                assignee = team = None
                if status != "new":
                    assignee = engineers[
                        bisect.bisect_left(self.engineer_cum, rng.random() * self.engineer_cum[-1])
                    ]
                    team = self.engineer_team[assignee]
                    if status == "cancelled" and rng.random() < 0.5:
                        assignee = team = None
                hours = RESOLUTION_HOURS[sev] * (0.2 + rng.random() * 1.6)
                resolved_at = closed_at = first_response = None
                if status != "new":
                    first_response = t0 + rng.random() * 7200
                if status in ("resolved", "closed"):
                    resolved_at = min(t0 + hours * 3600, self.now - 60)
                if status == "closed":
                    closed_at = min(resolved_at + rng.uniform(0.2, 7) * 86400, self.now - 30)
                if status == "cancelled":
                    closed_at = min(t0 + rng.random() * 86400, self.now - 30)
                updated = closed_at or resolved_at or first_response or t0
                finished = status in ("resolved", "closed")
                rated = status == "closed" and rng.random() < 0.35
                title = rng.choice(SYMPTOMS[kind]).format(m=rng.choice(MODULES))
                title = title[0].upper() + title[1:]
                description = " ".join(rng.sample(PHRASES, 2))
                confirmed = status != "new"
                triage = ""
                if confirmed and kind == "fault":
                    triage = "fault"
                elif confirmed and kind == "customization":
                    triage = "customization"
                elif finished and kind == "consultation":
                    triage = "consultation_answered"
                self.t_status.append(status)
                self.t_requester.append(requester)
                self.t_assignee.append(assignee)
                self.t_agent.append(agent)
                self.t_resolved.append(resolved_at)
                self.t_closed.append(closed_at)
                self.t_meta.append((number, kind, channel, sev))
                yield "\t".join(
                    (
                        str(tid),
                        number,
                        str(org),
                        str(contact_id),
                        NULL if requester is None else str(requester),
                        NULL if contract is None else str(contract),
                        str(product),
                        str(version),
                        kind,
                        channel,
                        title,
                        description,
                        ts(t0 - rng.random() * 86400),
                        "About 20 users affected." if kind == "fault" else "",
                        areas[i],
                        sev if channel in ("portal", "api") else "",
                        sev,
                        "t" if confirmed else "f",
                        status,
                        triage,
                        NULL if team is None else str(team),
                        NULL if assignee is None else str(assignee),
                        str(requester_created),
                        ts(t0),
                        ts(updated),
                        str(1 + (3 if finished else 1 if confirmed else 0)),
                        ts(t0 + 7200),
                        ts(t0 + RESOLUTION_HOURS[sev] * 3600),
                        ts(first_response),
                        ts(resolved_at),
                        ts(closed_at),
                        rng.choice(RESOLUTIONS) if finished else "",
                        "t" if finished and channel == "hotline" and rng.random() < 0.7 else "f",
                        "0",
                        str(rng.choice((3, 4, 4, 5, 5, 5))) if rated else NULL,
                        "Quick and helpful." if rated and rng.random() < 0.3 else "",
                    )
                )

        self.load.copy(
            Ticket,
            [
                "id",
                "number",
                "organization_id",
                "contact_id",
                "requester_id",
                "contract_id",
                "product_id",
                "product_version_id",
                "kind",
                "channel",
                "title",
                "description",
                "occurred_at",
                "impact",
                "area",
                "proposed_severity",
                "severity",
                "severity_confirmed",
                "status",
                "triage_decision",
                "team_id",
                "assignee_id",
                "created_by_id",
                "created_at",
                "updated_at",
                "version",
                "response_due_at",
                "resolution_due_at",
                "first_response_at",
                "resolved_at",
                "closed_at",
                "resolution",
                "first_contact_resolution",
                "reopen_count",
                "rating",
                "rating_comment",
            ],
            rows(),
        )
        self.year_last = year_last

    def _year_function(self) -> Callable[[float], int]:
        """Local calendar year of an epoch time (the ticket number's year), without tz math."""
        first = datetime.fromtimestamp(self.start, self.tz).year
        last = datetime.fromtimestamp(self.now, self.tz).year
        bounds = [datetime(y, 1, 1, tzinfo=self.tz).timestamp() for y in range(first + 1, last + 1)]

        def year_of(t: float) -> int:
            return first + bisect.bisect_right(bounds, t)

        return year_of

    # --- conversation and events --------------------------------------------------------

    def conversation(self) -> None:
        """Comments (0-6 per ticket, mean 3) and the matching audit events (mean ~8)."""
        from tickets.models import Comment, TicketEvent

        rng, ts, n = self.rng, self.clock, self.args.tickets
        # comment times are needed by the events: keep (ticket index, id, time, internal, author)
        per_ticket_comments = [rng.randint(0, 6) for _ in range(n)]
        comment_log: list[tuple[int, float, int, int | None]] = []  # id, time, internal, author
        comment_start: list[int] = []

        def comment_rows() -> Iterator[str]:
            cid = 0
            for i in range(n):
                comment_start.append(len(comment_log))
                count = per_ticket_comments[i]
                if not count:
                    continue
                t0 = self.t_created[i]
                end = self.t_resolved[i] or self.t_closed[i] or min(t0 + 14 * 86400, self.now)
                staff = self.t_assignee[i] or self.t_agent[i]
                customer = self.t_requester[i]
                step = max(end - t0, 600) / (count + 1)
                for k in range(count):
                    cid += 1
                    at = t0 + step * (k + rng.random())
                    internal = rng.random() < 0.2
                    if internal:
                        author, body = staff, rng.choice(REPLIES[8:])
                    elif k % 2 and customer is not None:
                        author, body = customer, rng.choice(REPLIES[6:8])
                    else:
                        author, body = staff, rng.choice(REPLIES[:6])
                    comment_log.append((cid, at, 1 if internal else 0, author))
                    yield f"{cid}\t{i + 1}\t{author}\t{body}\t{'t' if internal else 'f'}\t{ts(at)}"
            comment_start.append(len(comment_log))

        self.load.copy(
            Comment,
            ["id", "ticket_id", "author_id", "body", "is_internal", "created_at"],
            comment_rows(),
        )
        self.comment_count = len(comment_log)

        def event_rows() -> Iterator[str]:
            eid = 0
            for i in range(n):
                tid = i + 1
                t0 = self.t_created[i]
                status = self.t_status[i]
                number, kind, channel, sev = self.t_meta[i]
                actor = self.t_requester[i] if channel in ("portal", "api") else self.t_agent[i]
                events: list[tuple[float, int | None, str, str, bool]] = [
                    (
                        t0,
                        actor,
                        "created",
                        f'{{"number":"{number}","kind":"{kind}","channel":"{channel}",'
                        f'"severity":"{sev}"}}',
                        False,
                    )
                ]
                agent, assignee = self.t_agent[i], self.t_assignee[i]
                resolved, closed = self.t_resolved[i], self.t_closed[i]
                if status != "new" and assignee is not None:
                    at = t0 + 300 + rng.random() * 3600
                    events.append(
                        (
                            at,
                            agent,
                            "assigned",
                            f'{{"team":{{"old":null,"new":"team {self.engineer_team[assignee]}"}},'
                            f'"assignee":{{"old":null,"new":"{assignee}"}}}}',
                            False,
                        )
                    )
                    events.append(
                        (at, agent, "transition", _tr("new", "accepted", "assigned"), False)
                    )
                    if status in ("in_progress", "waiting_customer", "resolved", "closed"):
                        at += 600 + rng.random() * 3600
                        events.append(
                            (at, assignee, "transition", _tr("accepted", "in_progress"), False)
                        )
                    if status == "waiting_customer":
                        at += 600 + rng.random() * 7200
                        events.append(
                            (
                                at,
                                assignee,
                                "transition",
                                _tr("in_progress", "waiting_customer"),
                                False,
                            )
                        )
                    if resolved is not None:
                        events.append(
                            (
                                resolved,
                                assignee,
                                "transition",
                                _tr("in_progress", "resolved"),
                                False,
                            )
                        )
                    if status == "closed":
                        events.append(
                            (
                                closed,
                                self.t_requester[i] or agent,
                                "transition",
                                _tr("resolved", "closed"),
                                False,
                            )
                        )
                if status == "cancelled":
                    events.append((closed, agent, "transition", _tr("new", "cancelled"), False))
                for cid, at, internal, author in comment_log[
                    comment_start[i] : comment_start[i + 1]
                ]:
                    events.append(
                        (
                            at,
                            author,
                            "note_added" if internal else "commented",
                            f'{{"comment":{cid},"attachments":[]}}',
                            bool(internal),
                        )
                    )
                events.sort(key=_first)
                for at, who, what, data, internal in events:
                    eid += 1
                    yield (
                        f"{eid}\t{tid}\t{NULL if who is None else who}\t{what}\t{data}\t"
                        f"{'t' if internal else 'f'}\t{ts(at)}"
                    )

        self.load.copy(
            TicketEvent,
            ["id", "ticket_id", "actor_id", "kind", "data", "is_internal", "created_at"],
            event_rows(),
        )


def _first(item):
    return item[0]


def _tr(old: str, new: str, reason: str | None = None) -> str:
    if reason:
        return f'{{"old":"{old}","new":"{new}","reason":"{reason}"}}'
    return f'{{"old":"{old}","new":"{new}"}}'


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for w in weights:
        total += w
        yield total


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--organizations", type=int, default=2000)
    parser.add_argument("--days", type=int, default=730, help="created_at spread (default 2y)")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--seed", type=int, default=20260401, help="random seed (reproducible)")
    parser.add_argument("--password", default=DEFAULT_PASSWORD, help="every user's password")
    parser.add_argument("--time-zone", default="Asia/Shanghai", help="for ticket number years")
    args = parser.parse_args(argv)
    name = urlsplit(args.database_url).path.lstrip("/")
    if not name.startswith("sd_bench"):
        parser.error(f"refusing to drop database {name!r}: the name must start with 'sd_bench'")
    if urlsplit(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("--database-url must be a PostgreSQL URL")
    if args.tickets < 1:
        parser.error("--tickets must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
    os.environ.setdefault("SECRET_KEY", "bench-seed-only")
    total_started = time.perf_counter()

    print(f"recreating database {urlsplit(args.database_url).path.lstrip('/')}")
    recreate_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    print(f"  {'migrate':<36} {'':>10}      {time.perf_counter() - started:8.1f} s")
    connection.close()

    import psycopg2

    from tickets.models import Comment, Ticket, TicketEvent, TicketNumberSequence

    conn = psycopg2.connect(args.database_url)
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
    loader = Loader(conn)
    seeder = Seeder(args, loader)

    big = [Ticket._meta.db_table, Comment._meta.db_table, TicketEvent._meta.db_table]
    index_statements, fk_statements = detach_indexes(conn, big)

    print("loading")
    seeder.directory()
    seeder.tickets()
    seeder.conversation()

    print("indexes and constraints")
    started = time.perf_counter()
    run_parallel(args.database_url, index_statements)
    elapsed = time.perf_counter() - started
    loader.timings.append(("create indexes", 0, elapsed))
    label = f"{len(index_statements)} indexes (2 connections)"
    print(f"  {label:<36} {'':>10}      {elapsed:8.1f} s")
    started = time.perf_counter()
    run_parallel(args.database_url, fk_statements)
    elapsed = time.perf_counter() - started
    loader.timings.append(("foreign keys", 0, elapsed))
    label = f"{len(fk_statements)} foreign keys (2 connections)"
    print(f"  {label:<36} {'':>10}      {elapsed:8.1f} s")

    sequences = [
        f'INSERT INTO "{TicketNumberSequence._meta.db_table}" (year, last) VALUES ({y}, {last})'
        for y, last in sorted(seeder.year_last.items())
    ]
    counts = {
        **seeder.table_ids,
        Ticket._meta.db_table: args.tickets,
        Comment._meta.db_table: seeder.comment_count,
    }
    sequences += [
        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), {max(last, 1)})"
        for table, last in counts.items()
    ]
    sequences.append(
        f"SELECT setval(pg_get_serial_sequence('\"{TicketEvent._meta.db_table}\"', 'id'), "
        f'(SELECT COALESCE(MAX(id), 1) FROM "{TicketEvent._meta.db_table}"))'
    )
    for model in ("servicedesk_contract_products", "servicedesk_team_members"):
        sequences.append(
            f"SELECT setval(pg_get_serial_sequence('\"{model}\"', 'id'), "
            f'(SELECT COALESCE(MAX(id), 1) FROM "{model}"))'
        )
    loader.execute("number sequences, id sequences", sequences)
    conn.autocommit = True
    loader.execute("VACUUM ANALYZE", ["VACUUM ANALYZE"])

    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM tickets_comment; ")
        comments = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM tickets_ticketevent")
        events = cur.fetchone()[0]
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cur.fetchone()[0]
    conn.close()
    total = time.perf_counter() - total_started
    print(
        f"done in {total:.0f} s: {args.tickets:,} tickets, {comments:,} comments "
        f"({comments / args.tickets:.2f}/ticket), {events:,} events "
        f"({events / args.tickets:.2f}/ticket); database size {size}"
    )
    print("staff login for the load test: bench-manager /", args.password)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
