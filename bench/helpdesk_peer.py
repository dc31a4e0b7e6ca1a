"""The peer measured alongside: django-helpdesk's staff ticket page on the same machine.

    .venv/bin/python bench/helpdesk_peer.py --tickets 100000 --duration 10

1. Creates a virtualenv of its own (``--venv``, default /tmp/sd-helpdesk-peer; never the
   project's) and installs django-helpdesk from PyPI there, pinned (HELPDESK_PIN), with
   psycopg2-binary and gunicorn.
2. Writes a minimal Django project for it next to the virtualenv and migrates a PostgreSQL
   database of its own (``--database-url``; the name must start with ``sd_bench``; it is
   dropped and recreated), then seeds ``--tickets`` tickets in one queue with 3 follow-ups
   each (bulk inserts), 20 staff assignees and a superuser ``bench-staff``; old tickets
   mostly closed, recent ones open, like bench/seed.py.
3. Starts gunicorn (2 sync workers, DEBUG off) on a free port of 127.0.0.1 and drives
   ``/helpdesk/tickets/<id>/`` of the 20 newest open tickets with wrk (bench/scenario.lua,
   -c8) signed in as the superuser, and prints req/s and latencies: the same measurement as
   ``bench/load.py --only ticket`` for servicedesk. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

HELPDESK_PIN = "django-helpdesk==2.6.1"
EXTRA_PINS = ("psycopg2-binary==2.9.10", "gunicorn==23.0.0")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/sd_bench_helpdesk"


def project_files(database_url: str) -> dict[str, str]:
    parts = urlsplit(database_url)
    db = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": parts.path.lstrip("/"),
        "USER": parts.username or "postgres",
        "PASSWORD": parts.password or "",
        "HOST": parts.hostname or "127.0.0.1",
        "PORT": str(parts.port or 5432),
        "CONN_MAX_AGE": 60,
    }
    settings = f"""
        SECRET_KEY = "bench-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
        DEBUG = False
        ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
        INSTALLED_APPS = [
            "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
            "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
            "django.contrib.sites", "django.contrib.humanize", "rest_framework", "helpdesk",
        ]
        SITE_ID = 1
        MIDDLEWARE = [
            "django.middleware.security.SecurityMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ]
        ROOT_URLCONF = "peer.urls"
        TEMPLATES = [{{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [], "APP_DIRS": True,
            "OPTIONS": {{"context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]}},
        }}]
        DATABASES = {{"default": {db!r}}}
        USE_TZ = True
        TIME_ZONE = "Asia/Shanghai"
        STATIC_URL = "/static/"
        STATIC_ROOT = "static"
        LOGIN_URL = "/login/"
        DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
        HELPDESK_TEAMS_MODE_ENABLED = False
        EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    """
    urls = """
        from django.contrib import admin
        from django.contrib.auth import views as auth_views
        from django.urls import include, path

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("login/", auth_views.LoginView.as_view(), name="login"),
            path("helpdesk/", include("helpdesk.urls", namespace="helpdesk")),
        ]
    """
    seed = """
        import random, sys
        from datetime import timedelta
        import django
        django.setup()
        from django.contrib.auth import get_user_model
        from django.utils import timezone
        from helpdesk.models import FollowUp, Queue, Ticket

        count = int(sys.argv[1])
        rnd = random.Random(20260401)
        User = get_user_model()
        admin = User.objects.create_superuser("bench-staff", "staff@example.com", "bench-Pass-123")
        staff = [User.objects.create_user(f"eng{i}", f"eng{i}@example.com", "x", is_staff=True)
                 for i in range(20)]
        queue = Queue.objects.create(title="Support", slug="support")
        now = timezone.now()
        batch = []
        for i in range(count):
            age = (count - i) / count  # 1 = oldest
            created = now - timedelta(days=730 * age, minutes=rnd.randint(0, 600))
            closed = rnd.random() < (0.97 if age > 0.1 else 0.4)
            batch.append(Ticket(
                title=f"Ticket {i}: report export fails", queue=queue, created=created,
                modified=created, submitter_email=f"c{i % 2000}@example.com",
                status=Ticket.CLOSED_STATUS if closed else Ticket.OPEN_STATUS,
                assigned_to=rnd.choice(staff), priority=rnd.randint(1, 5),
                description="Generated by bench/helpdesk_peer.py.",
            ))
            if len(batch) == 5000:
                Ticket.objects.bulk_create(batch)
                batch = []
        Ticket.objects.bulk_create(batch)
        ids = list(Ticket.objects.values_list("id", flat=True))
        follow = []
        for pk in ids:
            for j in range(3):
                follow.append(FollowUp(ticket_id=pk, title="Comment", comment=f"Follow-up {j}",
                                       public=True, user=admin, date=now))
            if len(follow) >= 15000:
                FollowUp.objects.bulk_create(follow)
                follow = []
        FollowUp.objects.bulk_create(follow)
        print("seeded", len(ids))
    """
    session = """
        import django
        django.setup()
        from django.conf import settings
        from django.test import Client
        from django.contrib.auth import get_user_model
        from helpdesk.models import Ticket
        client = Client()
        client.force_login(get_user_model().objects.get(username="bench-staff"))
        name = settings.SESSION_COOKIE_NAME
        print(name + "=" + client.cookies[name].value)
        ids = Ticket.objects.filter(status=Ticket.OPEN_STATUS).order_by("-created")
        print(",".join(str(pk) for pk in ids.values_list("id", flat=True)[:20]))
    """
    return {
        "peer/__init__.py": "",
        "peer/settings.py": textwrap.dedent(settings),
        "peer/urls.py": textwrap.dedent(urls),
        "peer/wsgi.py": "from django.core.wsgi import get_wsgi_application\n"
        "application = get_wsgi_application()\n",
        "seed_peer.py": textwrap.dedent(seed),
        "session_peer.py": textwrap.dedent(session),
    }


def run(command: list[str], **kw) -> subprocess.CompletedProcess:
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, check=True, **kw)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--venv", default=str(Path(tempfile.gettempdir()) / "sd-helpdesk-peer"))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    args = parser.parse_args()
    name = urlsplit(args.database_url).path.lstrip("/")
    if not name.startswith("sd_bench"):
        raise SystemExit("the peer's database name must start with sd_bench")

    venv = Path(args.venv)
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    run([str(python), "-m", "pip", "install", "-q", HELPDESK_PIN, *EXTRA_PINS])
    project = venv / "project"
    for relative, text in project_files(args.database_url).items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "peer.settings", "PYTHONPATH": str(project)}
    for key in ("DATABASE_URL", "CELERY_BROKER_URL"):
        env.pop(key, None)
    manage = [str(python), "-m", "django"]
    if not args.skip_seed:
        admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
        run(["psql", admin, "-qc", f'DROP DATABASE IF EXISTS "{name}"'])
        run(["psql", admin, "-qc", f'CREATE DATABASE "{name}"'])
        run([*manage, "migrate", "-v", "0"], env=env, cwd=project)
        run([str(python), "seed_peer.py", str(args.tickets)], env=env, cwd=project)
        run(["psql", args.database_url, "-qc", "VACUUM ANALYZE"])
    run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, cwd=project)
    out = run(
        [str(python), "session_peer.py"], env=env, cwd=project, capture_output=True, text=True
    ).stdout.split()
    cookie, ids = out[-2], out[-1].split(",")

    import load  # bench/load.py: the same wrk driver and result shape

    port = load.free_port()
    gunicorn = subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, local only
        [str(venv / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "peer.wsgi"],
        env=env,
        cwd=project,
        start_new_session=True,
    )
    try:
        for _ in range(120):  # wait until gunicorn answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        scenario = load.Scenario(
            "helpdesk-ticket",
            "django-helpdesk staff ticket page `GET /helpdesk/tickets/<id>/` (20 open tickets)",
            "GET",
            [f"/helpdesk/tickets/{pk}/" for pk in ids],
            {"Cookie": cookie, "Accept": "text/html"},
        )
        load.preflight(port, scenario)
        if args.warmup:
            load.run_wrk(port, scenario, threads=2, connections=8, duration=args.warmup)
        data = load.run_wrk(port, scenario, threads=2, connections=8, duration=args.duration)
    finally:
        load.stop(gunicorn)
    result = load.to_result(scenario, data, os.getloadavg()[0])
    print(
        f"django-helpdesk ticket page: {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, non-2xx {result.non_2xx}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
