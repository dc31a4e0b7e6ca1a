"""The two entry points of the README: the demo data set and ``manage.py start``."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from servicedesk.choices import Role, TeamKind
from servicedesk.management.commands.seed_demo import DEMO_PASSWORD, PENDING_AT_START
from servicedesk.models import Contact, Organization, Product, Skill, Team, User
from tickets.choices import Channel, EventKind, TicketKind, TicketStatus
from tickets.models import HotlineCall, Ticket, TicketEvent

ROOT = Path(__file__).resolve().parents[1]
# `make test` runs pytest with `--dist loadfile`: the demo is seeded once, in one process.


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed once for the module (it is the slow part), and wipe it afterwards."""
    with django_db_blocker.unblock():
        started = time.monotonic()
        call_command("seed_demo", stdout=io.StringIO())
        yield time.monotonic() - started
        call_command("flush", interactive=False, verbosity=0)


def test_seed_demo_loads_a_directory_with_every_role(demo, db):
    assert Organization.objects.count() == 3
    for org in Organization.objects.all():
        contacts = Contact.objects.filter(organization=org)
        assert contacts.count() >= 2
        assert all(c.phone for c in contacts)
        assert org.users.filter(role=Role.CUSTOMER).exists()
        assert org.contracts.filter(products__isnull=False).exists()
    assert Product.objects.annotate(n=Count("versions")).filter(n__gte=2).count() == 3
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert User.objects.filter(role=Role.ENGINEER).count() == 3
    assert Skill.objects.values("user").distinct().count() == 3
    assert set(Team.objects.values_list("kind", flat=True)) == set(TeamKind.values)
    assert not Team.objects.filter(lead__isnull=True).exists()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(DEMO_PASSWORD)
    assert User.objects.get(username="zhangwei").check_password(DEMO_PASSWORD)
    from tickets.models import CannedReply

    shared = CannedReply.objects.filter(shared=True)
    assert set(shared.values_list("language", flat=True)) == {"en", "zh-hans"}


def test_seed_demo_creates_tickets_in_every_state_kind_and_channel(demo, db):
    assert 180 <= Ticket.objects.count() <= 220
    assert set(Ticket.objects.values_list("status", flat=True)) == set(TicketStatus.values)
    assert set(Ticket.objects.values_list("kind", flat=True)) == set(TicketKind.values)
    assert set(Ticket.objects.values_list("channel", flat=True)) == set(Channel.values)
    assert HotlineCall.objects.filter(resolved_on_first_contact=True).exists()
    assert Ticket.objects.filter(reopen_count__gt=0).exists()
    assert Ticket.objects.filter(rating__isnull=False).exists()
    # Written through the services: every ticket has its creation event, and history.
    created = TicketEvent.objects.filter(kind=EventKind.CREATED).values("ticket").distinct()
    assert created.count() == Ticket.objects.count()
    assert TicketEvent.objects.filter(kind=EventKind.NOTE_ADDED, is_internal=True).exists()


def test_seed_demo_spreads_history_over_past_weeks_in_number_order(demo, db):
    now = timezone.now()
    times = list(Ticket.objects.order_by("number").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert max(times) < now
    assert now - min(times) > dt.timedelta(days=21)
    assert not TicketEvent.objects.filter(created_at__gt=now).exists()
    for ticket in Ticket.objects.filter(status=TicketStatus.CLOSED)[:20]:
        events = list(ticket.events.values_list("created_at", flat=True))
        assert events == sorted(events)
        assert ticket.created_at <= ticket.resolved_at <= ticket.closed_at


def test_seed_demo_is_fast_and_idempotent(demo, db):
    assert demo < (30 if connection.vendor == "sqlite" else 60)  # seconds
    counts = (Ticket.objects.count(), User.objects.count(), TicketEvent.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert counts == (Ticket.objects.count(), User.objects.count(), TicketEvent.objects.count())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_start_runs_web_worker_and_beat_and_stops_on_ctrl_c(tmp_path):
    """The embedded default end to end: SQLite, filesystem broker, three processes."""
    addr = f"127.0.0.1:{_free_port()}"
    drop = {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "SECRET_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({"VAR_DIR": str(tmp_path), "DEBUG": "1", "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "start", "--addr", addr],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()

    def wait_for(text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in list(lines)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"no {text!r} in the output:\n{''.join(lines)[-6000:]}")
            time.sleep(0.2)

    try:
        wait_for("servicedesk is running at")
        for path in ("/healthz", "/accounts/login/"):
            with urllib.request.urlopen(f"http://{addr}{path}", timeout=10) as response:
                assert response.status == 200
        wait_for("beat: Starting")
        # The newest demo notifications are waiting; the worker delivers them right away.
        wait_for("] succeeded in", timeout=60)
        delivered = re.search(
            r"outbox_deliver_task\[[\w-]+\] succeeded in \S+: (\d+)", "".join(lines)
        )
        assert delivered and int(delivered.group(1)) == PENDING_AT_START
        assert any("zhangwei" in line for line in lines), "the banner lists the demo logins"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=40) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)
    output = "".join(lines)
    assert "Stopped web, worker and beat." in output
    assert "Warm shutdown" in output
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://{addr}/healthz", timeout=2)
    assert (tmp_path / "servicedesk.sqlite3").exists()
    assert (tmp_path / "broker").is_dir()
