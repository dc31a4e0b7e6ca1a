"""IMAP polling (tickets/mailbox.py) against a fake ``imaplib.IMAP4``.

No maintained PyPI package gives a local IMAP server a test can start cheaply, so
``FakeIMAP`` implements the calls the poller uses, with IMAP's semantics for them: ``login``,
``select``, ``uid`` SEARCH UNSEEN / FETCH (BODY.PEEK[]) / STORE +FLAGS / COPY, ``expunge``
and ``logout``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from tickets import mailbox
from tickets.models import InboundMessage, MailboxLease, Ticket
from tickets.tasks import mailbox_poll_task

from .inbound_support import raw_mail

pytestmark = pytest.mark.django_db


class FakeIMAP:
    def __init__(self, messages: list[bytes], broken: tuple[int, ...] = ()):
        self.messages = dict(enumerate(messages, start=1))
        self.flags: dict[int, set[str]] = {uid: set() for uid in self.messages}
        self.folders: dict[str, list[bytes]] = {}
        self.broken, self.calls = set(broken), []
        self.logged_in = self.selected = self.logged_out = False

    def login(self, user, password):
        self.logged_in = (user, password)
        return "OK", [b"logged in"]

    def select(self, folder="INBOX"):
        assert self.logged_in
        self.selected = folder
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command, *args):
        assert self.selected
        self.calls.append((command, *args))
        if command == "SEARCH":
            assert args == (None, "UNSEEN")
            unseen = [str(u).encode() for u in self.messages if "\\Seen" not in self.flags[u]]
            return "OK", [b" ".join(unseen)]
        uid = int(args[0])
        if command == "FETCH":
            assert args[1] == "(BODY.PEEK[])"  # fetching must not mark it seen
            if uid in self.broken:
                return "NO", [b"fetch failed"]
            raw = self.messages[uid]
            return "OK", [(f"{uid} (UID {uid} BODY[] {{{len(raw)}}}".encode(), raw), b")"]
        if command == "STORE":
            assert args[1] == "+FLAGS"
            self.flags[uid] |= set(args[2].strip("()").split())
            return "OK", [b""]
        if command == "COPY":
            self.folders.setdefault(args[1], []).append(self.messages[uid])
            return "OK", [b""]
        raise AssertionError(command)

    def expunge(self):
        for uid in [u for u, flags in self.flags.items() if "\\Deleted" in flags]:
            del self.messages[uid], self.flags[uid]
        return "OK", [b""]

    def logout(self):
        self.logged_out = True
        return "BYE", [b""]


@pytest.fixture
def imap_settings(settings):
    settings.INBOUND_IMAP_HOST = "imap.test"
    settings.INBOUND_IMAP_USER = "desk"
    settings.INBOUND_IMAP_PASSWORD = "secret"
    settings.INBOUND_IMAP_PROCESSED_FOLDER = ""
    return settings


def test_disabled_without_a_host(db, settings):
    settings.INBOUND_IMAP_HOST = ""
    fake = FakeIMAP([raw_mail()])
    assert mailbox.mailbox_poll(connector=lambda: fake).state == "disabled"
    assert not fake.logged_in
    with pytest.raises(CommandError):
        call_command("poll_mailbox")


def test_unseen_mail_is_received_and_marked_seen(customer, imap_settings):
    fake = FakeIMAP([raw_mail(subject="One"), raw_mail(subject="Two")])
    fake.flags[2].add("\\Seen")  # read by a person already: not ours to take
    result = mailbox.mailbox_poll(connector=lambda: fake)
    assert (result.state, result.received, result.failed) == ("done", 1, 0)
    assert list(Ticket.objects.values_list("title", flat=True)) == ["One"]
    assert fake.flags[1] == {"\\Seen"} and fake.logged_in == ("desk", "secret")
    assert fake.logged_out
    assert InboundMessage.objects.get().source == "imap"
    again = mailbox.mailbox_poll(connector=lambda: fake)
    assert again.received == 0 and Ticket.objects.count() == 1


def test_one_failing_message_does_not_stop_the_rest(customer, imap_settings):
    fake = FakeIMAP([raw_mail(subject="A"), raw_mail(subject="B"), raw_mail(subject="C")], (2,))
    result = mailbox.mailbox_poll(connector=lambda: fake)
    assert (result.received, result.failed) == (2, 1)
    assert sorted(Ticket.objects.values_list("title", flat=True)) == ["A", "C"]
    assert fake.flags[2] == set()  # left unseen, tried again next run


def test_unparseable_mail_is_marked_so_it_is_not_read_forever(db, imap_settings):
    fake = FakeIMAP([b"garbage without headers"])
    result = mailbox.mailbox_poll(connector=lambda: fake)
    assert result.received == 1 and fake.flags[1] == {"\\Seen"}
    assert not InboundMessage.objects.exists()


def test_a_mail_processed_but_not_marked_is_not_received_twice(customer, imap_settings):
    fake = FakeIMAP([raw_mail()])
    mailbox.mailbox_poll(connector=lambda: fake)
    fake.flags[1].clear()  # the crash between receiving and marking
    mailbox.mailbox_poll(connector=lambda: fake)
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_processed_mail_can_be_moved(customer, imap_settings):
    imap_settings.INBOUND_IMAP_PROCESSED_FOLDER = "Processed"
    raw = raw_mail()
    fake = FakeIMAP([raw])
    mailbox.mailbox_poll(connector=lambda: fake)
    assert fake.folders == {"Processed": [raw]} and fake.messages == {}


def test_a_second_run_waits_for_the_lease(customer, imap_settings):
    name = mailbox.mailbox_name()
    assert mailbox.lease_take(name, "other-run", 60)
    fake = FakeIMAP([raw_mail()])
    assert mailbox.mailbox_poll(connector=lambda: fake).state == "busy"
    assert not fake.logged_in and not Ticket.objects.exists()
    # a holder that died: its lease runs out and the next run takes over
    MailboxLease.objects.filter(mailbox=name).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )
    assert mailbox.mailbox_poll(connector=lambda: fake).received == 1
    lease = MailboxLease.objects.get(mailbox=name)
    assert lease.leased_until is None  # released at the end of the run


def test_the_lease_is_released_when_the_connection_fails(db, imap_settings):
    def refuse():
        raise OSError("connection refused")

    with pytest.raises(OSError):
        mailbox.mailbox_poll(connector=refuse)
    assert MailboxLease.objects.get().leased_until is None


def test_command_and_task_poll(customer, imap_settings, monkeypatch, capsys):
    fake = FakeIMAP([raw_mail(subject="By command"), raw_mail(subject="By task")])
    fake.flags[2].add("\\Seen")
    monkeypatch.setattr(mailbox, "connect", lambda: fake)
    call_command("poll_mailbox")
    assert "1 received, 0 failed" in capsys.readouterr().out
    fake.flags[2].clear()
    assert mailbox_poll_task.delay().get() == {"state": "done", "received": 1, "failed": 0}
    assert Ticket.objects.count() == 2


def test_beat_polls_only_when_a_host_is_set():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BEAT_SCHEDULE.get('inbound-mailbox-poll', {}).get('task'))"
    )
    root = Path(__file__).resolve().parents[2]
    for host, expected in (("", "None"), ("imap.test", "tickets.tasks.mailbox_poll_task")):
        env = {
            **os.environ,
            "INBOUND_IMAP_HOST": host,
            "DJANGO_SETTINGS_MODULE": "servicedesk.settings",
        }
        done = subprocess.run(  # noqa: S603
            [sys.executable, "-c", code],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.strip() == expected
