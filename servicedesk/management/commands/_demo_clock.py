"""A clock the demo loader sets, so the services write the past as if it were the present.

Every service reads the time from ``django.utils.timezone.now`` (the tests move time the
same way). ``travelling`` replaces that function for the duration of the load with one that
answers the clock's current instant, and does the same for the model fields whose default
captured the original function (``default=timezone.now``): created_at, first_response_at,
resolved_at, SLA clocks, events, time entries and sign-offs then all lie where the story is.
Demo loader only: the application never moves its own clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db import models
from django.utils import timezone


class Clock:
    """The demo's "now": set by the simulation before each step; read by the services."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at

    def set(self, at: dt.datetime) -> None:
        assert timezone.is_aware(at)
        self.at = at


@contextmanager
def travelling(clock: Clock) -> Iterator[Clock]:
    """Within the block, ``timezone.now()`` (and the ``default=timezone.now`` fields) answer
    ``clock.now()``; restored on exit, also on error."""
    original = timezone.now
    fields = [
        field
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.default is original
    ]
    timezone.now = clock.now  # type: ignore[assignment]
    for field in fields:
        _set_default(field, clock.now)
    try:
        yield clock
    finally:
        timezone.now = original
        for field in fields:
            _set_default(field, original)


def _set_default(field: models.Field, default: object) -> None:
    field.default = default
    field.__dict__.pop("_get_default", None)  # Field caches the callable it will call
