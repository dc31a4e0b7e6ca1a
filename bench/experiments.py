"""Candidate fixes, applied at run time to measure them before anyone changes the app.

``bench/load.py --experiment NAME`` applies them in the load script's own process (query
counts, EXPLAIN, profiles) and in every gunicorn worker (through bench/gunicorn_conf.py).
Nothing here is imported by the application.
"""

from __future__ import annotations

from collections.abc import Callable

EXPERIMENTS: dict[str, Callable[[], None]] = {}


def experiment(func: Callable[[], None]) -> Callable[[], None]:
    EXPERIMENTS[func.__name__.replace("_", "-")] = func
    return func


@experiment
def no_distinct() -> None:
    """django-filter's MultipleChoiceFilter defaults to ``distinct=True``: SELECT DISTINCT
    over every selected column, so PostgreSQL must read, join and de-duplicate every matching
    row before the LIMIT. The filters are on the ticket's own columns (no joins that could
    duplicate rows), so DISTINCT is useless here."""
    import django_filters

    from tickets.filters import TicketFilter

    for flt in TicketFilter.base_filters.values():
        if isinstance(flt, django_filters.MultipleChoiceFilter):
            flt.distinct = False


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
def list_prefetch() -> None:
    """Small reference tables fetched by id afterwards (prefetch_related: 5 tiny queries)
    instead of joined: the page query becomes ticket (+ contact) only."""
    from tickets import selectors
    from tickets.models import Ticket

    def ticket_list(user):
        return Ticket.objects.visible_to(user).prefetch_related(*selectors.LIST_RELATED)

    selectors.ticket_list = ticket_list


@experiment
def gc_freeze() -> None:
    """The cyclic garbage collector's full collections walk every object the worker holds
    (Django, DRF, the URL and template caches): tens of milliseconds each, in the p99.
    Freezing what exists after start-up moves it out of the collector's reach."""
    import gc

    gc.collect()
    gc.freeze()


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


@experiment
def number_sequence() -> None:
    """The ticket number comes from a row of the year, locked from the UPDATE until the
    commit: two creates at once queue there for the rest of the first one's transaction.
    A PostgreSQL sequence hands out numbers without a lock (a rolled-back create leaves a
    gap). Bench only: the sequence starts far above the seeded numbers."""
    from django.db import connection
    from django.utils import timezone

    from tickets.services import _common, intake

    with connection.cursor() as cursor:
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_ticket_number START 5000000")

    def next_number(now):
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('bench_ticket_number')")
            (value,) = cursor.fetchone()
        return f"SD-{timezone.localtime(now).year}-{value:06d}"

    _common._next_number = intake._next_number = next_number


def apply(names: str | list[str]) -> list[str]:
    if isinstance(names, str):
        names = [n for n in names.split(",") if n]
    for name in names:
        EXPERIMENTS[name]()
    return names
