"""The development mail backend (``EMAIL_URL=consolemail://``, the default of ``make start``):
one line per mail on the console, the whole message in a file under ``VAR_DIR/mail/``.

Printing every notification in full made the console of ``make start`` unreadable (1,274
lines after 15 minutes of the demo); the line names the file that holds the full text.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone


class ConsoleSummaryBackend(BaseEmailBackend):
    def __init__(self, *args: Any, stream: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self.folder = Path(settings.VAR_DIR) / "mail"
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
                path = self.folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
                path.write_bytes(message.message().as_bytes())
                recipients = ", ".join(message.recipients())
                self.stream.write(f"mail to {recipients}: {message.subject}  [{path}]\n")
                self.stream.flush()
                sent += 1
        return sent
