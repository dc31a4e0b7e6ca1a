"""The development mail backend: one console line per mail, the full text in a file."""

from __future__ import annotations

import io

import pytest
from django.core.mail import EmailMessage

from servicedesk.mail_console import ConsoleSummaryBackend


def test_one_line_per_mail_and_the_full_text_on_file(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    backend = ConsoleSummaryBackend(stream=out)
    body = "line\\n" * 200
    mails = [
        EmailMessage(f"SD-2026-00000{i} updated", body, "desk@example.com", [f"u{i}@example.com"])
        for i in range(3)
    ]
    assert backend.send_messages(mails) == 3
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("mail to u0@example.com: SD-2026-000000 updated  [")
    files = sorted((tmp_path / "mail").iterdir())
    assert len(files) == 3
    assert any(str(path) in lines[0] for path in files)
    assert b"line" in files[0].read_bytes() and b"Subject: SD-2026-00000" in files[0].read_bytes()


def test_the_default_console_mail_is_the_summary_one():
    import servicedesk.settings as module

    if module.EMAIL_CONFIG.get("EMAIL_BACKEND") != "django.core.mail.backends.console.EmailBackend":
        pytest.skip("EMAIL_URL names another backend here")
    # (pytest-django swaps in its locmem backend for the tests themselves)
    assert module.EMAIL_BACKEND == "servicedesk.mail_console.ConsoleSummaryBackend"
