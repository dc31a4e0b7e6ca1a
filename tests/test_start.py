"""The README's first command end to end: ``manage.py start`` (what ``make start`` runs).

Apart from the demo data tests (tests/test_commands.py) so that the two slowest modules of
the suite, each about a minute, can run on two test processes at once.
"""

from __future__ import annotations

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

from servicedesk.management.commands.seed_demo import PENDING_AT_START

ROOT = Path(__file__).resolve().parents[1]


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
        wait_for("servicedesk is running at", timeout=240)  # migrate and six months of demo
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
