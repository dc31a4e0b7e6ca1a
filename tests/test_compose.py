"""The production shape in docker-compose.yml (no Docker engine here: the file is checked)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
APP_SERVICES = ("web", "worker", "beat")
SHARED_ENV = ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "TIME_ZONE")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_every_service_of_the_production_shape_exists(services):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_web_runs_gunicorn_worker_and_beat_run_celery(services):
    assert re.search(r"\bgunicorn servicedesk\.wsgi(:application)?\b", _command(services["web"]))
    assert re.search(r"\bcelery -A servicedesk worker\b", _command(services["worker"]))
    assert re.search(r"\bcelery -A servicedesk beat\b", _command(services["beat"]))
    assert "replicas" not in services["beat"].get("deploy", {}), "exactly one beat"


def test_app_services_share_one_environment(services):
    envs = [services[name]["environment"] for name in APP_SERVICES]
    for env in envs:
        assert set(SHARED_ENV) <= set(env)
        assert env == envs[0]
    assert envs[0]["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in envs[0]["DATABASE_URL"]
    assert envs[0]["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert "SECRET_KEY:?" in envs[0]["SECRET_KEY"], "no default secret: fail when unset"
    assert str(envs[0].get("DEBUG", "false")).lower() in ("0", "false")


def test_app_services_wait_for_healthy_postgres_and_redis(services):
    for backing in ("postgres", "redis"):
        check = services[backing]["healthcheck"]
        assert check["test"], backing
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        for backing in ("postgres", "redis"):
            assert depends[backing]["condition"] == "service_healthy", (name, backing)


def test_web_and_worker_have_health_checks(services):
    web = " ".join(services["web"]["healthcheck"]["test"])
    assert "127.0.0.1:8000/healthz" in web, "liveness: no database or broker behind it"
    worker = " ".join(services["worker"]["healthcheck"]["test"])
    assert "celery -A servicedesk inspect ping --destination celery@$$HOSTNAME" in worker


def test_migrations_run_once_before_the_app(services):
    assert "migrate" in _command(services["migrate"])
    for name in APP_SERVICES:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"


def test_uploads_are_shared_by_web_and_worker(services):
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert any(v.endswith(":" + env["MEDIA_ROOT"]) for v in services[name]["volumes"])


def test_dockerfile_builds_the_app_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M), "the app does not run as root"
