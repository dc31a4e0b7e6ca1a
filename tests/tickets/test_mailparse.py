"""Reading raw mail (tickets/mailparse.py): whatever the bytes, the parser answers a mail or
``Unparseable``, never another exception."""

from __future__ import annotations

import contextlib
import random

import pytest

from tickets.mailparse import Unparseable, html_to_text, parse_mail, strip_quoted

from .inbound_support import raw_mail

HEADS = [
    b"From: a@b.example\r\n\r\n",
    b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
    b"From: a@b.example\r\nContent-Type: text/html; charset=unknown-8\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\n",
    b"From: =?utf-8?b?5p2O?= <a@b.example>\r\nSubject: =?gb2312?b?broken\r\n\r\n",
]


def test_random_bytes_after_real_headers_never_raise_anything_else():
    rng = random.Random(14)
    for _ in range(400):
        junk = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
        raw = rng.choice(HEADS) + junk
        try:
            parsed = parse_mail(raw)
        except Unparseable:
            continue
        assert parsed.sender == "a@b.example"
        assert isinstance(parsed.text, str)


def test_mutated_real_mails_never_raise_anything_else():
    rng = random.Random(7)
    base = bytearray(
        raw_mail(
            html="<p>x</p>",
            files=[("a.pdf", "application/pdf", b"%PDF"), ("b.txt", "text/plain", b"hi")],
        )
    )
    for _ in range(300):
        raw = bytearray(base)
        for _ in range(rng.randrange(1, 20)):
            raw[rng.randrange(len(raw))] = rng.getrandbits(8)
        with contextlib.suppress(Unparseable):
            parse_mail(bytes(raw))


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>a</p><p>b</p>", "a\nb"),
        ("<svg><script>alert(1)</script></svg>ok", "ok"),
        ("&lt;script&gt;", "<script>"),  # text that looks like markup stays text (escaped on pages)
    ],
)
def test_html_to_text(markup, text):
    assert html_to_text(markup) == text


@pytest.mark.parametrize(
    "quoted",
    [
        "On Thu, 3 Dec 2026 at 09:00, Service desk <desk@example.com> wrote:\n> old text",
        "-----Original Message-----\nFrom: desk\nold text",
        "-----原始邮件-----\n发件人: 服务台\nold text",
        "在 2026年12月3日 09:00，服务台 写道：\n> old text",
        "From: Service desk <desk@example.com>\nSent: Thursday\nTo: me\nold text",
        "> old text\n> more",
    ],
)
def test_a_reply_loses_the_mail_it_quotes(quoted):
    assert strip_quoted(f"Still broken after the patch.\n\n{quoted}") == (
        "Still broken after the patch."
    )


def test_a_mail_that_is_only_a_quotation_keeps_it():
    assert strip_quoted("> only this") == "> only this"
