"""Concurrent writers on a real database: numbers never collide, stale edits never win."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.db import connection, connections
from django.utils import timezone

from servicedesk.errors import StaleVersion, ValidationFailed
from tickets import services
from tickets.choices import Channel, TicketKind
from tickets.models import Ticket, TicketNumberSequence
from tickets.services._common import _sequence_name

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def _run_in_threads(target, count: int) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def wrapper(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            target(i)
        except BaseException as exc:  # collected and asserted by the caller
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_creation_gives_unique_sequential_numbers(customer, product):
    def create(i: int) -> None:
        for j in range(5):
            services.ticket_create(
                actor=customer,
                title=f"t{i}-{j}",
                kind=TicketKind.FAULT,
                channel=Channel.PORTAL,
                product=product,
            )

    assert _run_in_threads(create, 6) == []
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == 30
    values = [int(n.rsplit("-", 1)[1]) for n in numbers]
    # consecutive (no create failed); on PostgreSQL the year's sequence may have been used by
    # an earlier test of this database, so they need not start at 1
    assert values == list(range(values[0], values[0] + 30))


def test_numbers_continue_after_the_recorded_last_number(customer, product):
    """A year's numbers start after what ``TicketNumberSequence`` records (numbers given
    before, or by a bulk load), and a create that fails validation takes no number."""

    year = 2031
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS {_sequence_name(year)}")
    TicketNumberSequence.objects.create(year=year, last=41)
    when = timezone.make_aware(dt.datetime(year, 3, 1, 10, 0))

    def create(title: str) -> Ticket:
        with mock.patch("django.utils.timezone.now", return_value=when):
            return services.ticket_create(
                actor=customer, title=title, kind=TicketKind.FAULT, channel=Channel.PORTAL
            )

    assert create("first").number == f"SD-{year}-000042"
    with pytest.raises(ValidationFailed):
        create(" ")
    assert create("second").number == f"SD-{year}-000043"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SEQUENCE IF EXISTS {_sequence_name(year)}")


def test_concurrent_edits_with_the_same_version_one_wins(customer, product, engineer):
    ticket = services.ticket_create(
        actor=customer, title="t", kind=TicketKind.FAULT, channel=Channel.PORTAL, product=product
    )
    outcomes: list[str] = []

    def edit(i: int) -> None:
        try:
            services.ticket_update(
                Ticket.objects.get(pk=ticket.pk),
                actor=engineer,
                changes={"title": f"edit {i}"},
                expected_version=1,
            )
            outcomes.append("ok")
        except StaleVersion:
            outcomes.append("stale")

    assert _run_in_threads(edit, 4) == []
    assert sorted(outcomes) == ["ok", "stale", "stale", "stale"]
    ticket.refresh_from_db()
    assert ticket.version == 2


def test_concurrent_posts_with_one_idempotency_key_make_one_ticket(customer, product):
    """The key is reserved by ``INSERT ... ON CONFLICT DO NOTHING``: the second request
    waits on the unique index until the first commits, then replays its response."""
    from tests.conftest import client_for

    body = {"title": "Printer on fire", "kind": TicketKind.FAULT, "product": product.pk}
    responses: list = []

    def post(i: int) -> None:
        response = client_for(customer).post(
            "/api/v1/tickets/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key"
        )
        responses.append(response)

    assert _run_in_threads(post, 4) == []
    assert Ticket.objects.count() == 1
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["number"] for r in responses}) == 1
    assert sum(r.get("Idempotent-Replayed") != "true" for r in responses) == 1
