"""A cheap password hash for the test run only.

Django's default PBKDF2 hasher spends about 0.2 s of CPU per password (1,000,000 rounds), on
every user a factory creates and every ``client.login``: thousands of times a run. This one
is the same algorithm with one round, so its hashes keep Django's ``pbkdf2_sha256$`` format
and a server subprocess on the default settings (gunicorn, a Celery worker) still verifies
them. Production settings are untouched.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
