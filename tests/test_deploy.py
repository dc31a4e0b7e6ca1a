"""The production configuration passes Django's deployment check.

The environment is docker-compose.yml's (the production shape) with its defaults and a
generated secret key: `manage.py check --deploy --fail-level WARNING` must find nothing.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"\$\{(\w+)(?::?-([^}]*)|:\?[^}]*)?\}")


def production_environment() -> dict[str, str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    given = {"SECRET_KEY": secrets.token_urlsafe(50), "POSTGRES_PASSWORD": "x"}
    env = {}
    for name, value in compose["x-app-env"].items():
        env[name] = VARIABLE.sub(lambda m: given.get(m.group(1), m.group(2) or ""), str(value))
    return env


def run_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "DEBUG"))}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**keep, **env, "MEDIA_ROOT": "/tmp/sd-deploy-check"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_environment_passes_the_deploy_check():
    result = run_check(production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_fails_without_https_settings():
    """The check itself would catch a regression: plain HTTP fails it."""
    env = production_environment()
    env.update(SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    result = run_check(env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout
