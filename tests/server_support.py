"""The app served by gunicorn in a subprocess, as in production, for outage tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.worker_support import ROOT, free_port

START_TIMEOUT = 30.0


def http(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, timeout=30
) -> tuple[int, dict[str, str], str]:
    """(status, headers, body) of a request to the loopback server; errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[str]:
    """Serve the app on a free loopback port with ``env`` (over this process's environment,
    less pytest's); yields the base URL once /healthz answers."""
    port = free_port()
    full_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
        "SECRET_KEY": "server-test-only",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "gunicorn", "servicedesk.wsgi:application"),
                *(f"--bind=127.0.0.1:{port}", "--workers=1", "--timeout=60"),
            ],
            cwd=ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if http(f"{base}/healthz", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
