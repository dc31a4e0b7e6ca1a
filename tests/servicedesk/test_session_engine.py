"""Sessions read through the cache only when every web process shares that cache."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PRINT_ENGINE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.SESSION_ENGINE)"
)


@pytest.mark.parametrize(
    ("cache_url", "engine"),
    [
        ("locmemcache://", "django.contrib.sessions.backends.db"),
        ("redis://127.0.0.1:6379/5", "django.contrib.sessions.backends.cached_db"),
    ],
)
def test_session_engine_follows_the_cache(cache_url, engine):
    env = {**os.environ, "CACHE_URL": cache_url, "DJANGO_SETTINGS_MODULE": "servicedesk.settings"}
    env.pop("SESSION_ENGINE", None)
    out = subprocess.run(
        [sys.executable, "-c", PRINT_ENGINE], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == engine
