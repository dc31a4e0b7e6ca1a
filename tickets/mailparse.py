"""Reading an inbound mail: sender, subject, thread references, the text a person wrote and
the attached files, from the raw RFC 822 bytes (the standard ``email`` package, policy
``default``). Pure: no database; ``tickets.services.inbound`` decides what becomes of it.

Everything here is untrusted input: headers are folded to one line and cut to their
column's length, an HTML-only body is sanitized with the mail HTML rules (nh3) and then
reduced to text, so no markup from a mail ever reaches a page.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3

from servicedesk.mail import sanitize_html
from servicedesk.text import one_line

# A body longer than this is cut (a mail is a request, not a document: attach the document).
BODY_MAX_CHARS = 50_000
TICKET_NUMBER = re.compile(r"\b(SD-\d{4}-\d{6})\b")
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# Headers by which mail programs and lists mark what no person wrote now (RFC 3834, 2076).
LOOP_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
LOOP_SENDERS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply"})
# Line breaks where HTML blocks end, so the text keeps its paragraphs.
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|tr|h[1-6]|blockquote|pre|table)>", re.I)
_BLANK_LINES = re.compile(r"\n{3,}")
# Where a reply's quotation of the earlier mail starts (mail programs in English and Chinese).
_QUOTE_START = re.compile(
    r"^(?:-{2,}\s*(?:Original Message|原始邮件|回复的原邮件)\s*-{2,}"
    r"|On .{1,200} wrote:"
    r"|在 ?.{1,200}写道[:：]"
    r"|(?:From|发件人)\s*[:：].{1,300}\n(?:.*\n){0,4}?(?:Sent|Date|发送时间|日期)\s*[:：])",
    re.M,
)


class Unparseable(ValueError):
    """Not a mail: no sender address can be read from it."""


@dataclass
class MailFile:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    subject: str
    text: str
    references: list[str] = field(default_factory=list)
    files: list[MailFile] = field(default_factory=list)
    loop_reason: str = ""

    @property
    def ticket_numbers(self) -> list[str]:
        return TICKET_NUMBER.findall(self.subject)


def message_key(message_id: str, raw: bytes) -> str:
    """The idempotency key: the Message-ID, else (a mail without one) a hash of its bytes."""
    if message_id:
        return message_id[:255]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def parse_headers(raw: bytes) -> tuple[str, str, str]:
    """(Message-ID, sender address, subject) from the headers only: for a mail too large to
    read whole."""
    message = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
    return _message_id(message), _sender(message)[0], _header(message, "Subject", 300)


def parse_mail(raw: bytes) -> ParsedMail:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    sender, sender_name = _sender(message)
    if not sender:
        raise Unparseable("no sender address")
    references = [
        ref
        for name in ("In-Reply-To", "References")
        for ref in MESSAGE_ID.findall(_header(message, name, 10_000))
    ]
    return ParsedMail(
        message_id=_message_id(message),
        sender=sender,
        sender_name=sender_name,
        subject=_header(message, "Subject", 300),
        text=body_text(message),
        references=references,
        files=list(_files(message)),
        loop_reason=loop_reason(message, sender),
    )


def loop_reason(message: EmailMessage, sender: str) -> str:
    """Why no person is waiting for an answer to this mail ("" when one may be)."""
    auto = _header(message, "Auto-Submitted", 100).lower()
    if auto and auto.split(";")[0].strip() != "no":
        return "auto_submitted"
    if _header(message, "Precedence", 100).lower() in LOOP_PRECEDENCE:
        return "precedence"
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return "autoreply"
    if sender.partition("@")[0] in LOOP_SENDERS:
        return "mailer_daemon"
    return ""


def body_text(message: EmailMessage) -> str:
    """The text part if there is one; else the HTML part sanitized, then as plain text."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset or a broken transfer encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    content = content.replace("\r\n", "\n").strip()
    return content[:BODY_MAX_CHARS]


def html_to_text(markup: str) -> str:
    """Sanitize first (scripts, styles and their content go), then keep only the text."""
    safe = sanitize_html(markup)
    text = nh3.clean(_BLOCK_END.sub("\n", safe), tags=set())
    return _BLANK_LINES.sub("\n\n", html.unescape(text)).strip()


def _files(message: EmailMessage):
    for index, part in enumerate(message.iter_attachments(), start=1):
        if not isinstance(part, EmailMessage) or part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        name = one_line(part.get_filename() or "") or f"attachment-{index}"
        yield MailFile(name=name[:200], content_type=part.get_content_type(), data=data)


def _header(message: EmailMessage, name: str, limit: int) -> str:
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # a header the parser cannot decode
        return ""
    return one_line(str(value or ""))[:limit]


def _message_id(message: EmailMessage) -> str:
    found = MESSAGE_ID.findall(_header(message, "Message-ID", 998))
    return found[0] if found else ""


def _sender(message: EmailMessage) -> tuple[str, str]:
    """The address to answer: Reply-To is not trusted for identity, From is."""
    value = _header(message, "From", 998)
    pairs = getaddresses([value]) if value else []
    name, address = pairs[0] if pairs else parseaddr(value)
    address = address.strip().lower()
    if "@" not in address or " " in address:
        return "", ""
    return address[:254], one_line(name)[:200]


def strip_quoted(text: str) -> str:
    """A reply without the earlier mail it quotes (from the first quotation header on, and
    ``>`` lines); the whole text if nothing else would remain."""
    match = _QUOTE_START.search(text)
    head = text[: match.start()] if match else text
    kept = "\n".join(line for line in head.splitlines() if not line.startswith(">"))
    return kept.strip() or text
