"""Building raw mails for the inbound tests."""

from __future__ import annotations

import itertools
from email.message import EmailMessage

_counter = itertools.count(1)


def raw_mail(
    *,
    sender: str = "cust@example.com",
    subject: str = "Printer module hangs",
    text: str | None = "The export hangs at 90%.",
    html: str | None = None,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    files: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Li Lei <{sender}>"
    message["To"] = "desk@example.com"
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<m{next(_counter)}.test@customer.example>"
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for name, content_type, data in files:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()
