"""The runtime dependencies alone start the worker and beat, as in the production image.

The Dockerfile runs ``pip install .`` with no extras; the test extras must not be what makes
the Redis transport importable (kombu's Redis transport needs ``packaging``, which only
``celery[redis]`` brings). This test builds a fresh virtualenv from the git-tracked files,
installs them the same way (from the pip cache when it holds them), then runs
``celery -A servicedesk worker`` and ``beat`` from it against the test database and Redis:
the worker answers a ping and runs a task, and beat sends a due task to it.

Skips without PostgreSQL, Redis or git; fails instead under CI=true.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

from servicedesk.tasks import outbox_deliver_task
from tests.worker_support import (
    ROOT,
    broker_url,
    celery_env,
    require_services,
    start_celery,
    start_worker,
    task_outcome,
    unavailable,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

INSTALL_TIMEOUT = 300


def _tracked_files() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        unavailable("needs git to list the tracked files")
    return [name for name in listed.decode().split("\0") if name]


def _copy_tracked_files(target: Path) -> None:
    """What ``COPY . .`` puts in the image, less what .dockerignore leaves out anyway."""
    for name in _tracked_files():
        source = ROOT / name
        if not source.is_file():  # deleted in the working tree
            continue
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / name)


def _plain_env() -> dict[str, str]:
    """This environment without the test virtualenv and with pip's cache allowed."""
    dropped = ("PIP_NO_CACHE_DIR", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    return {key: value for key, value in os.environ.items() if key not in dropped}


def _run(args: list[str], *, env: dict[str, str], cwd: Path | None = None, timeout: float):
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout[-3000:]}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def runtime(django_db_setup, tmp_path_factory) -> tuple[Path, Path]:
    """(the python of a virtualenv holding only the runtime dependencies, the app folder)."""
    require_services(broker_url())
    tmp = tmp_path_factory.mktemp("install")
    app = tmp / "app"
    _copy_tracked_files(app)
    venv = tmp / "venv"
    env = _plain_env()
    _run([sys.executable, "-m", "venv", str(venv)], env=env, timeout=120)
    python = venv / "bin" / "python"
    _run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(app)],
        env=env,
        timeout=INSTALL_TIMEOUT,
    )
    return python, app


def test_the_runtime_install_has_no_test_dependency(runtime):
    python, _app = runtime
    listed = _run(
        [str(python), "-m", "pip", "list", "--format=freeze"], env=_plain_env(), timeout=60
    ).stdout
    installed = {line.split("==")[0].lower() for line in listed.splitlines()}
    assert {"celery", "kombu", "redis", "packaging", "django"} <= installed
    assert not {"pytest", "factory-boy", "playwright"} & installed


def test_the_installed_distribution_holds_every_app(runtime, tmp_path):
    """``pip install .`` packages every app of INSTALLED_APPS (the image also puts the
    source folder on PYTHONPATH, which would hide a missing one)."""
    from django.conf import settings

    python, _app = runtime
    apps = sorted({name.split(".")[0] for name in settings.INSTALLED_APPS})
    ours = [name for name in apps if (ROOT / name / "__init__.py").is_file()]
    assert {"servicedesk", "tickets", "sla", "maintenance", "reports"} <= set(ours)
    code = f"import importlib; [importlib.import_module(m) for m in {ours!r}]"
    _run([str(python), "-c", code], env=_plain_env(), cwd=tmp_path, timeout=60)


def test_worker_and_beat_start_from_the_runtime_install(runtime, tmp_path):
    python, app = runtime
    broker = broker_url()
    queue = f"sdinstall-{uuid.uuid4().hex[:12]}"  # private: parallel test processes never mix
    hostname = f"{queue}@localhost"
    env = {
        **celery_env(
            broker=broker, var_dir=tmp_path / "var", email_url=f"filemail:///{tmp_path}/mail"
        ),
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(app),  # as the image: the app folder, dependencies from the venv
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # where beat sends
        "OUTBOX_SWEEP_SECONDS": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    worker = start_worker(
        queue=queue,
        env=env,
        log=tmp_path / "worker.log",
        hostname=hostname,
        python=str(python),
        cwd=app,
    )
    beat = None
    sender = Celery("servicedesk-install-test", broker=broker, set_as_current=False)
    try:
        assert re.search(r"transport:\s+redis://", worker.output()), worker.tail()

        ping = _run(
            [
                str(python.parent / "celery"),
                *("-A", "servicedesk", "inspect", "ping"),
                *("--destination", hostname, "--timeout", "10"),
            ],
            env=env,
            cwd=app,
            timeout=60,
        )
        assert re.search(rf"{re.escape(hostname)}: OK\s+pong", ping.stdout), ping.stdout

        task_id = sender.send_task(outbox_deliver_task.name, queue=queue).id
        assert task_outcome(worker, outbox_deliver_task.name, task_id) == ("succeeded", "0")

        beat = start_celery(
            ["beat", "--loglevel=INFO", "--schedule", str(tmp_path / "beat-schedule")],
            env=env,
            log=tmp_path / "beat.log",
            python=str(python),
            cwd=app,
        )
        beat.wait_for(lambda: "Sending due task deliver-outbox" in beat.output(), 60)
        sent = re.compile(rf"Task {re.escape(outbox_deliver_task.name)}\[([\w-]+)\] succeeded")
        worker.wait_for(
            lambda: any(found != task_id for found in sent.findall(worker.output())), 30
        )
    finally:
        sender.close()
        if beat is not None:
            beat.stop()
        worker.stop()
