"""Real Celery processes (workers, beats) for the tests marked ``worker``.

They run ``celery -A servicedesk`` as subprocesses on the pytest PostgreSQL test database
and a real Redis, each with its own log file. Without PostgreSQL or Redis the tests skip;
under CI=true they fail instead, since both must be there.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlparse

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BROKER = "redis://127.0.0.1:6379/15"
START_TIMEOUT = 60.0
TASK_TIMEOUT = 30.0
T = TypeVar("T")


def unavailable(reason: str) -> None:
    if os.environ.get("CI") in ("true", "1"):
        pytest.fail(f"{reason} (both are required under CI)", pytrace=False)
    pytest.skip(reason)


def broker_url(default: str = DEFAULT_BROKER) -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    return url if url.startswith(("redis://", "rediss://")) else default


def answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return True
    except OSError:
        return False


def database_url(settings_dict: dict) -> str:
    """The test database pytest-django created (``test_<name>[_gwN]``), as a URL."""
    auth = quote(settings_dict.get("USER") or "")
    if settings_dict.get("PASSWORD"):
        auth += ":" + quote(settings_dict["PASSWORD"])
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def require_services(broker: str) -> None:
    """Skip (fail under CI) unless the test database is PostgreSQL and the broker answers."""
    if connection.vendor != "postgresql":
        unavailable(
            "needs PostgreSQL: the worker process must share the test database "
            "(run `make test`, or set DATABASE_URL=postgres://...)"
        )
    if not answers(broker):
        unavailable(f"needs Redis at {broker} (set CELERY_BROKER_URL=redis://host:port/db)")


def celery_env(*, broker: str, var_dir: Path, email_url: str, **extra: str) -> dict[str, str]:
    """The environment of a Celery subprocess on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_URL": email_url,
        "SECRET_KEY": "worker-test-only",
        "DEBUG": "0",
        "CONN_MAX_AGE": "0",
        "VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@dataclass
class CeleryProcess:
    """A ``celery`` subprocess and its log."""

    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, check: Callable[[], T], timeout: float) -> T:
        """Poll ``check`` until it returns something true; fail if the process exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            if self.process.poll() is not None:
                pytest.fail(f"{self.log.stem} exited ({self.process.returncode}):\n{self.output()}")
            time.sleep(0.05)
        pytest.fail(f"timed out after {timeout:.0f} s; {self.log.stem} output:\n{self.tail()}")

    def tail(self, chars: int = 4000) -> str:
        return self.output()[-chars:]

    def stop(self, timeout: float = 20) -> None:
        """Warm shutdown (SIGTERM: the running task finishes), killed if it takes too long."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown at all, as when the machine or the OOM killer stops it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def start_celery(
    args: list[str],
    *,
    env: dict[str, str],
    log: Path,
    python: str = sys.executable,
    cwd: Path = ROOT,
) -> CeleryProcess:
    """``celery -A servicedesk <args>`` run by ``python`` (default: this interpreter)."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [python, "-m", "celery", "-A", "servicedesk", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return CeleryProcess(process, log)


def start_worker(
    *,
    queue: str,
    env: dict[str, str],
    log: Path,
    hostname: str | None = None,
    python: str = sys.executable,
    cwd: Path = ROOT,
) -> CeleryProcess:
    """A solo-pool worker on ``queue`` (private: parallel test processes never mix); it is
    ready when this returns."""
    worker = start_celery(
        [
            *("worker", "--pool=solo", "--loglevel=INFO", "-Q", queue),
            *("--hostname", hostname or f"{queue}@%h"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
        ],
        env=env,
        log=log,
        python=python,
        cwd=cwd,
    )
    try:
        worker.wait_for(lambda: " ready." in worker.output(), START_TIMEOUT)
    except BaseException:
        worker.kill()
        raise
    return worker


def task_outcome(worker: CeleryProcess, name: str, task_id: str) -> tuple[str, str]:
    """``("succeeded", return value)`` or ``("raised", error)``, read from the worker log."""
    pattern = re.compile(
        rf"Task {re.escape(name)}\[{re.escape(task_id)}\] "
        r"(?:succeeded in [\d.e-]+s: (.*)|(raised .*))"
    )
    found = worker.wait_for(lambda: pattern.search(worker.output()), TASK_TIMEOUT)
    if found.group(2):
        return "raised", found.group(2)
    return "succeeded", found.group(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_db_url(url: str, db: int) -> str:
    """``url`` with its database number replaced."""
    parsed = urlparse(url)
    return parsed._replace(path=f"/{db}").geturl()
