"""Run the whole system in one terminal: web, Celery worker and Celery beat.

The embedded default (DESIGN.md §5): migrate, load the demo data once, then supervise the
three processes, prefixing their output. Ctrl-C (or SIGTERM) stops all three cleanly; if one
of them dies, the others are stopped too and the command fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from .seed_demo import logins_text

STOP_TIMEOUT = 15.0


class Command(BaseCommand):
    help = "Start web + Celery worker + Celery beat together (migrates and loads demo data)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port for the web")
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
        parser.add_argument("--no-migrate", action="store_true", help="do not run migrations")

    def handle(self, *args, addr: str, no_demo: bool, no_migrate: bool, **options):
        self._prepare(no_demo=no_demo, no_migrate=no_migrate)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda *_: stop.set())
        children = {name: _spawn(name, argv) for name, argv in _commands(addr).items()}
        failed = None
        try:
            if _wait_healthy(f"http://{addr}/healthz", children, stop):
                _kick_outbox()
                self.stdout.write(self._banner(addr))
            while not stop.wait(0.5):
                failed = next((n for n, c in children.items() if c.poll() is not None), None)
                if failed:
                    break
        finally:
            _stop_all(children)
        if failed:
            raise CommandError(f"{failed} exited with code {children[failed].returncode}")
        self.stdout.write("Stopped web, worker and beat.")

    def _prepare(self, *, no_demo: bool, no_migrate: bool) -> None:
        var = Path(settings.VAR_DIR)
        for folder in (var, var / "broker", var / "broker-processed", Path(settings.MEDIA_ROOT)):
            folder.mkdir(parents=True, exist_ok=True)
        _compile_translations()
        if not no_migrate:
            call_command("migrate", interactive=False, verbosity=1)
        if not no_demo:
            call_command("seed_demo", verbosity=0)  # the banner shows the logins

    def _banner(self, addr: str) -> str:
        line = "=" * 72
        return "\n".join(
            [
                line,
                f"servicedesk is running at http://{addr}/",
                f"  staff console  http://{addr}/staff/",
                f"  portal         http://{addr}/portal/",
                f"  API docs       http://{addr}/api/docs/",
                logins_text(),
                "Press Ctrl-C to stop web, worker and beat.",
                line,
            ]
        )


def _commands(addr: str) -> dict[str, list[str]]:
    python, manage = sys.executable, str(Path(settings.BASE_DIR) / "manage.py")
    celery = [python, "-m", "celery", "-A", "servicedesk"]
    return {
        "web": [python, manage, "runserver", addr, "--noreload"],
        "worker": [
            *celery,
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }


def _spawn(name: str, argv: list[str]) -> subprocess.Popen[str]:
    """Start a child in its own session (Ctrl-C reaches only us) and relay its output."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        argv,
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
        start_new_session=True,
    )
    threading.Thread(target=_relay, args=(name, child), daemon=True).start()
    return child


def _relay(name: str, child: subprocess.Popen[str]) -> None:
    assert child.stdout is not None
    for line in child.stdout:
        sys.stdout.write(f"{name:>6} | {line}")
        sys.stdout.flush()


def _wait_healthy(url: str, children: dict, stop: threading.Event, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stop.is_set():
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our URL
                if response.status == 200:
                    return True
        except OSError:
            pass
        stop.wait(0.3)
    return False


def _kick_outbox() -> None:
    """Deliver what is already waiting now rather than at beat's first tick (60 s)."""
    from servicedesk.tasks import outbox_deliver_task

    try:
        outbox_deliver_task.delay()
    except Exception as exc:  # the broker is down: beat will retry, say so and go on
        sys.stderr.write(f"could not enqueue the outbox delivery: {exc}\n")


def _stop_all(children: dict[str, subprocess.Popen[str]]) -> None:
    """SIGTERM everyone (Celery's warm shutdown), then SIGKILL whoever is left."""
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in children.values():
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _compile_translations() -> None:
    """Compile our .po files whose .mo is missing or older (needs gettext's msgfmt)."""
    msgfmt = shutil.which("msgfmt")
    for locale_dir in settings.LOCALE_PATHS:
        for po in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo = po.with_suffix(".mo")
            if msgfmt and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
                subprocess.run([msgfmt, "-o", str(mo), str(po)], check=False)  # noqa: S603
