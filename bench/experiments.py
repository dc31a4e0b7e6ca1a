"""Candidate fixes, applied at run time to measure them before anyone changes the app.

``bench/load.py --experiment NAME`` applies them in the load script's own process (query
counts, EXPLAIN, profiles) and in every gunicorn worker (through bench/gunicorn_conf.py).
Nothing here is imported by the application. Experiments the app adopted leave this file
(their measurements stay in docs/PERFORMANCE.md): ``no-distinct`` (tickets/filters.py),
``list-prefetch`` (tickets/selectors.py), ``gc-freeze`` (servicedesk/wsgi.py) and
``number-sequence`` (the ticket number sequence, README decision 25).
"""

from __future__ import annotations

from collections.abc import Callable

EXPERIMENTS: dict[str, Callable[[], None]] = {}


def experiment(func: Callable[[], None]) -> Callable[[], None]:
    EXPERIMENTS[func.__name__.replace("_", "-")] = func
    return func


@experiment
def org_filter_input() -> None:
    """The organization filter renders every organization as an <option> (2,000 here) on
    every queue page; a plain id input (what an autocomplete would submit) renders none."""
    from django import forms

    from tickets.filters import TicketFilter

    TicketFilter.base_filters["organization"].extra["widget"] = forms.NumberInput


@experiment
def join_collapse_1() -> None:
    """Planning the 7-relation list join (select_related of organization, contact, product,
    version, team, assignee) costs ~10 ms per request, its execution ~0.5 ms. With
    ``join_collapse_limit = 1`` PostgreSQL keeps the written join order (ticket first, then
    the lookups), which is the right plan here. Set per connection."""
    from django.db.backends.signals import connection_created

    def set_limit(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET join_collapse_limit = 1")

    connection_created.connect(set_limit, weak=False)
    from django.db import connection

    if connection.connection is not None:
        set_limit(None, connection)


@experiment
def gc_threshold() -> None:
    """Fewer young-generation collections: a request allocates thousands of objects."""
    import gc

    gc.set_threshold(50_000, 20, 20)


@experiment
def shallow_input_fields() -> None:
    """DRF deep-copies every declared field for each serializer instance (a create's 14
    input fields: querysets, choice maps, validators). The declared fields are never
    changed after start-up, so a shallow copy per instance (then bound as usual) is enough."""
    import copy

    from tickets.api.serializers.input import TicketCreateSerializer

    def get_fields(self):
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}

    TicketCreateSerializer.get_fields = get_fields


def apply(names: str | list[str]) -> list[str]:
    if isinstance(names, str):
        names = [n for n in names.split(",") if n]
    for name in names:
        EXPERIMENTS[name]()
    return names
