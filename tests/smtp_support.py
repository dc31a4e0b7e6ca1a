"""A real SMTP server on loopback for the notification tests, whose behaviour can be switched.

``SmtpServer`` is aiosmtpd's server in a thread of the test process (a worker subprocess
reaches it over TCP like any mail server). Modes:

- ``accept``: every message is taken (``250``);
- ``tempfail``: every recipient gets ``451`` (a full queue, greylisting, a short outage);
- ``refuse``: every recipient gets ``550`` (no such mailbox);
- ``drop_after_data``: the message is taken, then the connection is cut before the ``250``
  ("accepted, reply lost"); ``drops`` says for how many messages (then it accepts again).

``StalledServer`` accepts connections and never says a word.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
from email.message import Message

from aiosmtpd.controller import Controller

from tests.worker_support import free_port


class Handler:
    def __init__(self) -> None:
        self.mode = "accept"
        self.drops = 0
        self.delay = 0.0
        self.received: list[Message] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "tempfail":
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if self.mode == "refuse":
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append(email.message_from_bytes(envelope.content))
            drop = self.mode == "drop_after_data" and self.drops > 0
            if drop:
                self.drops -= 1
                if not self.drops:
                    self.mode = "accept"
        if drop:
            server.transport.abort()  # taken, but the client never hears "250"
            return "421 closing"
        return "250 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        self.handler = Handler()
        self._port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self._port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def received(self) -> list[Message]:
        with self.handler.lock:
            return list(self.handler.received)

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]

    def set(self, mode: str, *, drops: int = 0, delay: float | None = None) -> None:
        with self.handler.lock:
            self.handler.mode = mode
            self.handler.drops = drops
            if delay is not None:
                self.handler.delay = delay

    def email_settings(self) -> dict[str, object]:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
        }

    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


class StalledServer:
    """Accepts TCP connections on loopback and never answers (not even the greeting)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)

    def __enter__(self) -> StalledServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @property
    def connections(self) -> int:
        return len(self.held)
