"""``manage.py poll_mailbox``: read the inbound IMAP mailbox once (docs/INBOUND.md)."""

from django.core.management.base import BaseCommand, CommandError

from tickets.mailbox import mailbox_poll


class Command(BaseCommand):
    help = "Read the unseen mail of the inbound IMAP mailbox (INBOUND_IMAP_* settings) once."

    def handle(self, *args, **options):
        result = mailbox_poll()
        if result.state == "disabled":
            raise CommandError("Inbound IMAP is not configured (INBOUND_IMAP_HOST is empty).")
        if result.state == "busy":
            self.stdout.write("Another run is reading the mailbox; nothing done.")
            return
        self.stdout.write(f"{result.received} received, {result.failed} failed.")
