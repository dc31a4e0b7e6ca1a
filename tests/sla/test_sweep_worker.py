"""The SLA sweep under real failures: real Celery workers and beats, a real Redis.

"Killing a worker mid-sweep, restarting Redis empty, stopping beat for 10 minutes, or
running two beats must still give exactly one warning, one breach and one notification per
clock and level, at most one sweep interval late." Each of those is a test here, against
worker (and beat) subprocesses on the pytest PostgreSQL test database. A notification is
a digest: each escalation is counted in exactly one digest of each of its recipients, and a
digest step writes one digest per recipient.

Clocks are made due by moving their start into the past and recomputing them with
``sla.services.schedule``, as if beat had not run for that long. The shared Redis is used on
database 14 (the outbox worker tests use 15); the Redis restart uses a redis-server of its
own on a free port.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import json
import re
import shutil
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery
from django.db import transaction
from django.utils import timezone
from kombu import Connection

from servicedesk.models import OutboxMessage
from sla.models import BusinessCalendar, SlaClock, SlaClockEvent, SlaEscalation
from sla.services import CALENDAR_24X7, level_times, schedule
from tests import factories as f
from tests.worker_support import (
    START_TIMEOUT,
    CeleryProcess,
    broker_url,
    celery_env,
    free_port,
    redis_db_url,
    require_services,
    start_celery,
    start_worker,
    task_outcome,
)
from tickets import services
from tickets.choices import Channel, TicketKind
from tickets.models import Ticket

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SWEEP = "sla.tasks.sla_sweep_task"
INTERVAL = 1  # SLA_SWEEP_SECONDS of the beats started here
SLACK = 1.0  # seconds a beat tick may take to reach the worker and run
BINDINGS = ("binding", "binding_permanent")  # kombu's Redis keys of a queue's bindings


# --- processes ------------------------------------------------------------------------------


@dataclass
class Cluster:
    """The module's Celery processes: a main worker (restarted when killed), extra workers
    and beats, all on one private queue of Redis database 14."""

    broker: str
    queue: str
    tmp: Path
    sender: Celery
    started: list[CeleryProcess] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    main_worker: CeleryProcess | None = None
    names: Iterator[int] = field(default_factory=itertools.count)

    def env(self, broker: str | None = None, queue: str | None = None) -> dict[str, str]:
        return celery_env(
            broker=broker or self.broker,
            var_dir=self.tmp / "var",
            email_url="memorymail://",
            CELERY_TASK_DEFAULT_QUEUE=queue or self.queue,  # beat's ticks, .delay() in tasks
            SLA_SWEEP_SECONDS=str(INTERVAL),
        )

    def _log(self, name: str) -> Path:
        return self.tmp / f"{name}-{next(self.names)}.log"

    def worker(self, name: str, *, broker: str | None = None, queue: str | None = None):
        queue = queue or self.queue
        process = start_worker(
            queue=queue,
            env=self.env(broker, queue),
            log=self._log(name),
            hostname=f"{name}-{uuid.uuid4().hex[:6]}@%h",
        )
        self.started.append(process)
        return process

    def main(self) -> CeleryProcess:
        """The main worker; a fresh one if the last was killed."""
        if self.main_worker is None or not self.main_worker.alive():
            self.main_worker = self.worker("worker")
        return self.main_worker

    @contextlib.contextmanager
    def beat(self, name: str = "beat") -> Iterator[CeleryProcess]:
        """A real ``celery beat`` (DatabaseScheduler, the sweep every INTERVAL s) while the
        block runs; afterwards, every tick it sent has been run."""
        log = self._log(name)
        process = start_celery(
            [
                *("beat", "--loglevel=INFO", "--pidfile", str(log.with_suffix(".pid"))),
                *("--schedule", str(log.with_suffix(".db"))),
            ],
            env=self.env(),
            log=log,
        )
        self.started.append(process)
        try:
            process.wait_for(lambda: "Sending due task sla-sweep" in process.output(), 30)
            yield process
        finally:
            process.stop()
        self.drain()

    def connect(self, broker: str | None = None) -> Connection:
        """A connection to publish on (Celery's ``broker`` argument loses to the environment's
        CELERY_BROKER_URL, a connection does not)."""
        connection = self.sender.connection_for_write(broker or self.broker)
        self.connections.append(connection)
        return connection

    def send(self, queue: str | None = None, via: Connection | None = None, **kwargs: Any) -> str:
        """Publish one sweep, as a beat tick does; its task id."""
        if via is None:
            via = self.connections[0] if self.connections else self.connect()
        return self.sender.send_task(
            SWEEP, kwargs=kwargs, queue=queue or self.queue, connection=via
        ).id

    def result(self, worker: CeleryProcess, task_id: str) -> dict[str, int]:
        outcome, value = task_outcome(worker, SWEEP, task_id)
        if outcome == "raised":
            pytest.fail(f"the sweep failed in the worker: {value}\n{worker.tail()}")
        return ast.literal_eval(value)

    def sweep(self, worker: CeleryProcess | None = None, **kwargs: Any) -> dict[str, int]:
        worker = worker or self.main()
        return self.result(worker, self.send(**kwargs))

    def drain(self) -> None:
        """Wait until every sweep sent so far has run: nothing left in the queue, nothing
        taken and not yet acknowledged (late acks: a message is acked once it has run)."""
        client = redis.Redis.from_url(self.broker)
        quiet = [0]  # consecutive idle polls: a message moving from the list to "unacked"

        def idle() -> bool:
            busy = client.llen(self.queue) + len(_unacked(client, {self.queue}))
            quiet[0] = 0 if busy else quiet[0] + 1
            return quiet[0] >= 3

        try:
            self.main().wait_for(idle, 30)
        finally:
            client.close()

    def forget_unacked(self) -> None:
        """Drop what a killed worker had taken: kombu would put it back in the queue after
        the visibility timeout (an hour), long after this module."""
        _forget_queues(self.broker, {self.queue}, keep_queue=True)

    def sweeps_done(self, worker: CeleryProcess) -> int:
        return len(re.findall(rf"Task {re.escape(SWEEP)}\[[^\]]+\] succeeded", worker.output()))

    def result_on_any(self, workers: list[CeleryProcess], task_id: str) -> dict[str, int]:
        """The result of a task taken by whichever of ``workers``."""
        marker = f"Task {SWEEP}[{task_id}] received"
        (worker,) = workers[0].wait_for(lambda: [w for w in workers if marker in w.output()], 30)
        return self.result(worker, task_id)


def _unacked(client: redis.Redis, queues: set[str]) -> list[bytes]:
    """Delivery tags of the messages of ``queues`` taken by a worker and not acknowledged."""
    tags = []
    for tag, raw in client.hscan_iter("unacked"):
        with contextlib.suppress(ValueError, IndexError, TypeError):
            if json.loads(raw)[2] in queues:
                tags.append(tag)
    return tags


def _forget_queues(url: str, queues: set[str], keep_queue: bool = False) -> None:
    """Remove our queues, and the messages of killed workers kombu keeps to redeliver in an
    hour (the visibility timeout), from the shared Redis database."""
    client = redis.Redis.from_url(url)
    try:
        if not keep_queue:
            client.delete(*queues)
            client.delete(*(f"_kombu.{kind}.{q}" for q in queues for kind in BINDINGS))
        for tag in _unacked(client, queues):
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
    finally:
        client.close()


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    broker = redis_db_url(broker_url(), 14)
    require_services(broker)
    queue = f"sdsweep-{uuid.uuid4().hex[:12]}"
    sender = Celery("servicedesk-sweep-test-sender", broker=broker, set_as_current=False)
    handle = Cluster(broker, queue, tmp_path_factory.mktemp("sweep"), sender)
    try:
        yield handle
    finally:
        for connection in handle.connections:
            connection.release()
        sender.close()
        for process in handle.started:
            process.stop()
        _forget_queues(broker, {queue})


@dataclass
class RedisServer:
    """A redis-server of our own, without persistence: restarted, it is empty."""

    port: int
    folder: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(shutil.which("redis-server") or "redis-server", "--port", str(self.port)),
                *("--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.folder), "--daemonize", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.ConnectionError):
                client = redis.Redis(port=self.port, socket_timeout=1)
                try:
                    if client.ping():
                        return
                finally:
                    client.close()
            time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def keys(self) -> int:
        client = redis.Redis(port=self.port)
        try:
            return client.dbsize()
        finally:
            client.close()


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server binary")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


# --- data -----------------------------------------------------------------------------------


@dataclass
class People:
    customer: Any
    product: Any
    assignee: Any
    team: Any
    lead: Any
    manager: Any
    owner: Any

    def expected(self) -> dict[int, set[str]]:
        """Who each level of the default policy tells, by level."""
        return {
            1: {self.assignee.email, self.lead.email},
            2: {self.manager.email},
            3: {self.manager.email, self.owner.email},
        }


@pytest.fixture
def people(customer, product, contract, team, engineer, manager):
    lead = f.UserFactory(username="lead")
    team.lead = lead
    team.save()
    contract.owner = f.UserFactory(username="owner")
    contract.save()
    return People(customer, product, engineer, team, lead, manager, contract.owner)


def new_tickets(people: People, count: int) -> list[int]:
    """Tickets made through the services (their clocks too), assigned to a team member."""
    ids = [
        services.ticket_create(
            actor=people.customer,
            title=f"Billing run stops at month end #{i}",
            kind=TicketKind.FAULT,
            channel=Channel.PORTAL,
            product=people.product,
        ).pk
        for i in range(count)
    ]
    Ticket.objects.filter(pk__in=ids).update(assignee=people.assignee, team=people.team)
    return ids


def move_clocks(
    ticket_ids: list[int], *, started_at: datetime, target_minutes: int, kind: str | None = None
) -> list[int]:
    """Restart the tickets' clocks at ``started_at`` on 24x7 with the given target, the way
    the services schedule them; the clock ids."""
    calendar = BusinessCalendar.objects.get(name=CALENDAR_24X7)
    clocks = list(SlaClock.objects.filter(ticket_id__in=ticket_ids).order_by("pk"))
    if kind is not None:
        clocks = [c for c in clocks if c.kind == kind]
    for clock in clocks:
        clock.calendar = calendar
        clock.started_at = started_at
        clock.target_minutes = target_minutes
        schedule(clock)
    SlaClock.objects.bulk_update(
        clocks, ["calendar", "started_at", "target_minutes", "due_at", "warn_at", "next_check_at"]
    )
    return [c.pk for c in clocks]


def done(clock_ids: list[int]) -> int:
    """Clocks with nothing pending any more (committed)."""
    return SlaClock.objects.filter(pk__in=clock_ids, next_check_at__isnull=True).count()


def assert_exactly_once(people: People, clock_ids: list[int], levels: tuple[int, ...]) -> None:
    """One warning, one breach and one escalation row per reached level for every clock,
    nothing for the levels not reached; every escalation notified, in a digest step that
    wrote exactly one digest per recipient (see ``assert_digests_tell``)."""
    clocks = {c.pk: c for c in SlaClock.objects.filter(pk__in=clock_ids)}
    assert len(clocks) == len(clock_ids)
    for clock in clocks.values():
        assert clock.warned_at is not None and clock.warned_at >= clock.warn_at, clock
        assert clock.breached_at == clock.due_at, clock
        assert clock.escalated_level == max(levels), clock

    events = Counter(
        SlaClockEvent.objects.filter(clock_id__in=clock_ids).values_list("clock_id", "kind")
    )
    for pk in clock_ids:
        assert events[pk, "warned"] == 1, (pk, events[pk, "warned"])
        assert events[pk, "breached"] == 1, (pk, events[pk, "breached"])
        assert events[pk, "escalated"] == len(levels), (pk, events[pk, "escalated"])

    escalations = list(SlaEscalation.objects.filter(clock_id__in=clock_ids))
    rows = Counter((e.clock_id, e.level) for e in escalations)
    assert set(rows) == {(pk, level) for pk in clock_ids for level in levels}
    assert set(rows.values()) == {1}
    expected = people.expected()
    for escalation in escalations:
        assert set(escalation.recipients) == expected[escalation.level], escalation
        assert escalation.notified_at is not None, escalation
    assert_digests_tell({e.notified_at for e in escalations})


def assert_digests_tell(instants: set[datetime]) -> None:
    """Each digest step (its instant is the escalations' ``notified_at`` and its digests'
    ``at``) wrote one digest per recipient, counting exactly the escalations it marked for
    that recipient: so every escalation is told once to each of its recipients."""
    digests = list(OutboxMessage.objects.filter(topic__startswith="sla."))
    assert {m.topic for m in digests} <= {"sla.digest"}
    for at in instants:
        told = Counter(
            email
            for recipients in SlaEscalation.objects.filter(notified_at=at).values_list(
                "recipients", flat=True
            )
            for email in recipients
        )
        mine = [m for m in digests if m.payload["at"] == at.isoformat()]
        assert Counter(m.recipient for m in mine) == dict.fromkeys(told, 1), at
        assert {m.recipient: m.payload["escalations"] for m in mine} == dict(told), at


def reached_at(clock_ids: list[int], level: int) -> dict[int, tuple[datetime, datetime]]:
    """(when the level was due, when the sweep wrote it) per clock."""
    return {
        e.clock_id: (e.due_at, e.created_at)
        for e in SlaEscalation.objects.filter(clock_id__in=clock_ids, level=level)
    }


# --- the tests ------------------------------------------------------------------------------


def test_a_worker_killed_mid_sweep_loses_and_repeats_nothing(cluster, people):
    now = timezone.now()
    clock_ids = move_clocks(
        new_tickets(people, 60), started_at=now - timedelta(minutes=30), target_minutes=10
    )  # 120 clocks, every level reached: warn -22.5 min, due -20, 200 % -10
    victim = cluster.main()

    cluster.send(batch=2)  # sixty small transactions: slow enough to be caught half way
    processed = victim.wait_for(lambda: 0 < done(clock_ids) < len(clock_ids), 30)
    assert processed
    victim.kill()
    cluster.forget_unacked()
    with transaction.atomic():  # the killed backend's row locks are gone once this returns
        list(SlaClock.objects.select_for_update().filter(pk__in=clock_ids))

    # Each batch committed whole or not at all: a clock is finished with all its rows, or
    # untouched with none.
    finished = set(
        SlaClock.objects.filter(pk__in=clock_ids, next_check_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    assert 0 < len(finished) < len(clock_ids)
    escalated = Counter(
        SlaEscalation.objects.filter(clock_id__in=clock_ids).values_list("clock_id", flat=True)
    )
    assert set(escalated) == finished
    assert set(escalated.values()) == {3}
    assert not SlaClock.objects.filter(pk__in=clock_ids, warned_at__isnull=False).exclude(
        pk__in=finished
    )

    fresh = cluster.main()
    assert fresh is not victim
    result = cluster.sweep(fresh)
    assert result["clocks"] == len(clock_ids) - len(finished)
    assert result["warnings"] == result["breaches"] == len(clock_ids) - len(finished)
    assert cluster.sweep(fresh)["clocks"] == 0
    assert_exactly_once(people, clock_ids, levels=(1, 2, 3))


def test_redis_restarted_empty_delays_the_sweep_and_repeats_nothing(cluster, people, own_redis):
    now = timezone.now()
    tickets = new_tickets(people, 60)
    first = move_clocks(tickets[:50], started_at=now - timedelta(minutes=30), target_minutes=10)
    later = [c.pk for c in SlaClock.objects.filter(ticket_id__in=tickets[50:])]  # due in hours
    queue = f"{cluster.queue}-own"
    worker = cluster.worker("worker-own-redis", broker=own_redis.url, queue=queue)
    via = cluster.connect(own_redis.url)
    try:
        running = cluster.send(queue=queue, via=via, batch=2)
        lost = cluster.send(queue=queue, via=via, batch=2)  # waits in Redis behind the first
        worker.wait_for(lambda: 0 < done(first) < len(first), 30)

        own_redis.kill()  # the waiting message, the unacked one and the bindings are gone
        own_redis.start()
        assert own_redis.keys() == 0
        # The sweep that was running finishes its database work regardless.
        worker.wait_for(lambda: done(first) == len(first), 30)
        assert task_outcome(worker, SWEEP, running)[0] in ("succeeded", "raised")
        worker.wait_for(
            lambda: (
                len(re.findall(rf"Connected to redis://\S*:{own_redis.port}/", worker.output()))
                >= 2
            ),
            START_TIMEOUT,
        )

        # Later clocks come due while the queued sweep is lost; the next tick, sent twice,
        # marks them once.
        move_clocks(tickets[50:], started_at=now - timedelta(minutes=30), target_minutes=10)
        one = cluster.send(queue=queue, via=via)
        two = cluster.send(queue=queue, via=via)
        results = [cluster.result(worker, one), cluster.result(worker, two)]
        assert sorted(r["clocks"] for r in results) == [0, len(later)]
        assert cluster.result(worker, cluster.send(queue=queue, via=via))["clocks"] == 0
        assert lost not in worker.output()  # it went down with Redis, never ran
    finally:
        worker.stop()
    assert_exactly_once(people, first + later, levels=(1, 2, 3))


def test_a_beat_stopped_for_ten_minutes_catches_up_once(cluster, people):
    now = timezone.now()
    tickets = new_tickets(people, 10)
    # Warned, breached and twice over: every level passed while beat was away.
    all_levels = move_clocks(
        tickets[:5], started_at=now - timedelta(minutes=14), target_minutes=4
    )  # warn -11 min, due -10, 200 % -6
    # Warned and breached 10 minutes ago; 200 % of the target comes in 10 minutes.
    two_levels = move_clocks(
        tickets[5:], started_at=now - timedelta(minutes=30), target_minutes=20
    )  # warn -15 min, due -10, 200 % +10
    worker = cluster.main()
    before = cluster.sweeps_done(worker)

    with cluster.beat():
        worker.wait_for(lambda: done(all_levels) == len(all_levels), 15)
        swept = cluster.sweeps_done(worker)
        worker.wait_for(lambda: cluster.sweeps_done(worker) >= swept + 3, 15)  # 3 more ticks
    assert cluster.sweeps_done(worker) >= before + 3  # the catch-up may log after its commit

    assert_exactly_once(people, all_levels, levels=(1, 2, 3))
    assert_exactly_once(people, two_levels, levels=(1, 2))
    for clock in SlaClock.objects.filter(pk__in=two_levels):
        ((_level, third),) = [(lv, at) for lv, at in level_times(clock) if lv.level == 3]
        assert clock.next_check_at == third > timezone.now()
    # All of it in the first sweep after the restart: one instant for every row.
    stamps = set(
        SlaEscalation.objects.filter(clock_id__in=all_levels + two_levels).values_list(
            "created_at", flat=True
        )
    )
    assert len(stamps) == 1
    assert set(
        SlaClock.objects.filter(pk__in=all_levels + two_levels).values_list("warned_at")
    ) == {(stamps.pop(),)}


def test_two_beats_and_two_workers_mark_each_clock_once(cluster, people):
    now = timezone.now()
    tickets = new_tickets(people, 80)
    at_once = move_clocks(tickets[:60], started_at=now - timedelta(minutes=30), target_minutes=10)
    main = cluster.main()
    second = cluster.worker("worker-second")
    try:
        # Two sweeps at the same instant, one on each worker, batch by batch.
        ids = [cluster.send(batch=2), cluster.send(batch=2)]
        results = [cluster.result_on_any([main, second], task_id) for task_id in ids]
        assert sum(r["clocks"] for r in results) == len(at_once)
        assert all(r["clocks"] for r in results), results  # shared, batch by batch
        assert sum(r["escalations"] for r in results) == 3 * len(at_once)
        assert_exactly_once(people, at_once, levels=(1, 2, 3))

        # Two beats, each sending the sweep every second, to both workers.
        by_beats = move_clocks(
            tickets[60:], started_at=now - timedelta(minutes=30), target_minutes=10
        )
        with cluster.beat("beat-a") as beat_a, cluster.beat("beat-b") as beat_b:
            main.wait_for(lambda: done(by_beats) == len(by_beats), 15)
            time.sleep(3 * INTERVAL)
        for beat in (beat_a, beat_b):
            assert beat.output().count("Sending due task sla-sweep") >= 3
    finally:
        second.stop()
    assert_exactly_once(people, by_beats, levels=(1, 2, 3))


def test_a_beat_marks_a_clock_at_most_one_interval_late(cluster, people):
    tickets = new_tickets(people, 5)
    worker = cluster.main()
    with cluster.beat():
        now = timezone.now()
        # Response clocks warn in 1.5 s (75 % of 2 min); resolution clocks breach in 1.5 s.
        warn_soon = move_clocks(
            tickets,
            started_at=now - timedelta(seconds=90) + timedelta(seconds=1.5),
            target_minutes=2,
            kind="response",
        )
        due_soon = move_clocks(
            tickets,
            started_at=now - timedelta(seconds=120) + timedelta(seconds=1.5),
            target_minutes=2,
            kind="resolution",
        )
        worker.wait_for(
            lambda: (
                SlaClock.objects.filter(pk__in=due_soon, escalated_level__gte=2).count()
                == len(due_soon)
                and SlaClock.objects.filter(pk__in=warn_soon, escalated_level__gte=1).count()
                == len(warn_soon)
            ),
            15,
        )
    limit = timedelta(seconds=INTERVAL + SLACK)
    for level, clocks in ((1, warn_soon), (2, due_soon)):
        times = reached_at(clocks, level)
        assert len(times) == len(clocks)
        for due, created in times.values():
            assert timedelta(0) <= created - due <= limit, (level, created - due)
    assert SlaEscalation.objects.filter(clock_id__in=warn_soon).count() == len(warn_soon)
    assert SlaEscalation.objects.filter(clock_id__in=due_soon).count() == 2 * len(due_soon)
