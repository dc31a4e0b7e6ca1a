"""Conventions checked by machine: migrations, translations, settings from the environment."""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import RunPython, RunSQL

ROOT = Path(__file__).resolve().parents[1]
OUR_APPS = ("servicedesk", "sla", "tickets", "releases", "maintenance", "reports", "knowledge")
# Where reading the process environment is expected; everything else goes through settings.
ENV_READERS = {"servicedesk/settings.py", "servicedesk/celery.py", "servicedesk/wsgi.py"}


def _in_ci() -> bool:
    return os.environ.get("CI") in ("true", "1")


# --------------------------------------------------------------------------- migrations


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:
        pytest.fail(f"models changed without a migration (run makemigrations):\n{out.getvalue()}")


def _our_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [
        (key, migration)
        for key, migration in sorted(loader.disk_migrations.items())
        if key[0] in OUR_APPS
    ]


def _operations(operations):
    for operation in operations:
        yield operation
        # SeparateDatabaseAndState and friends nest their operations.
        yield from _operations(getattr(operation, "database_operations", []))


def test_every_data_migration_can_be_reversed():
    irreversible = []
    for (app, name), migration in _our_migrations():
        for operation in _operations(migration.operations):
            if isinstance(operation, RunPython) and operation.reverse_code is None:
                irreversible.append(f"{app}.{name}: RunPython without reverse_code")
            if isinstance(operation, RunSQL) and operation.reverse_sql is None:
                irreversible.append(f"{app}.{name}: RunSQL without reverse_sql")
    assert not irreversible, "\n".join(irreversible)


def test_migrations_are_named():
    """``makemigrations --name``: no ``0002_auto_20260101_1200`` names."""
    auto = [f"{app}.{name}" for (app, name), _m in _our_migrations() if "_auto_" in name]
    assert not auto, auto


def test_migrations_apply_unapply_and_reapply(tmp_path):
    """On a throwaway SQLite file in a subprocess: all the way up, our apps to zero, up again."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL")
    }
    env.update({"VAR_DIR": str(tmp_path), "DEBUG": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    manage = [sys.executable, str(ROOT / "manage.py")]
    steps = [["migrate"], ["migrate", "servicedesk", "zero"], ["migrate"]]
    for step in steps:
        done = subprocess.run(
            [*manage, *step, "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{' '.join(step)} failed:\n{done.stdout}\n{done.stderr}"


# --------------------------------------------------------------------------- translations


def test_translations_compile(tmp_path):
    catalogs = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
    if not catalogs:
        pytest.skip("no translation catalogs in locale/ yet")
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        if _in_ci():
            pytest.fail("msgfmt (Debian package gettext) is required under CI")
        pytest.skip("msgfmt (gettext) is not installed")
    for po in catalogs:
        done = subprocess.run(
            [msgfmt, "--check", "-o", str(tmp_path / "out.mo"), str(po)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"{po.relative_to(ROOT)}:\n{done.stderr}"


# --------------------------------------------------------------------------- settings


ENV_READ = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
OS_READ = re.compile(r"""os\.(?:environ\.get|getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
OS_INDEX = re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]""")
EXAMPLE_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=", re.M)


def _settings_variables() -> set[str]:
    source = (ROOT / "servicedesk" / "settings.py").read_text()
    return {name for pattern in (ENV_READ, OS_READ, OS_INDEX) for name in pattern.findall(source)}


def test_settings_read_the_environment():
    names = _settings_variables()
    expected = {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "TIME_ZONE"}
    assert expected <= names
    assert "EMAIL_URL" in names


def test_env_example_lists_every_variable_settings_read():
    example = (ROOT / ".env.example").read_text()
    documented = set(EXAMPLE_LINE.findall(example))
    read = _settings_variables()
    assert not read - documented, f"add to .env.example: {sorted(read - documented)}"
    assert not documented - read, f"not read by settings.py: {sorted(documented - read)}"


def test_secret_key_has_no_default_outside_debug_and_tests():
    dotenv = ROOT / ".env"
    if dotenv.exists() and re.search(r"^(SECRET_KEY|DEBUG)=", dotenv.read_text(), re.M):
        pytest.skip("a local .env sets SECRET_KEY or DEBUG")
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.SECRET_KEY"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")},
            "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
            "VAR_DIR": "/nonexistent-var",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr


def _python_files(package: str):
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


def test_only_settings_read_the_environment():
    offenders = []
    for package in OUR_APPS:
        for path in _python_files(package):
            relative = path.relative_to(ROOT).as_posix()
            if relative in ENV_READERS:
                continue
            tree = ast.parse(path.read_text(), filename=relative)
            offenders += [
                f"{relative}:{node.lineno}"
                for node in ast.walk(tree)
                if isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ]
    allowed = {"servicedesk/management/commands/start.py"}  # passes the environment on
    offenders = [o for o in offenders if o.split(":")[0] not in allowed]
    assert not offenders, f"read settings, not os.environ: {offenders}"
