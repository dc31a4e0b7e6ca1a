"""The Simplified Chinese (zh-hans) catalog is complete, correct and compiled.

What is checked, and how to keep it green when you add a user-facing string:

1. every entry of ``locale/zh_Hans/LC_MESSAGES/django.po`` has a translation and no
   ``fuzzy`` flag, and the header declares UTF-8 and ``nplurals=1``;
2. the placeholders (``%(name)s``, ``%s``, ``{id}``) and HTML tags of each translation are
   those of its source text, so formatting never raises and links survive;
3. the committed ``django.mo`` says exactly what the ``.po`` says (the app needs no gettext
   tools at run time, so a stale ``.mo`` would silently show old or English text);
4. pages and API errors come out in Chinese for a customer and for staff, and the terms of
   the project glossary (工单, 受理, 一级故障, 客服经理 ...) are the ones used;
5. the source holds no string that is missing from the catalog: ``makemessages`` is run on a
   throwaway copy of the source tree (about a second; skipped without gettext, required
   under CI) and the merged catalog must have no untranslated entry.

After adding or changing a string::

    python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=bench --ignore=tests \
        --ignore=docs --no-location
    # translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, then
    python manage.py compilemessages -l zh_Hans --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from servicedesk.choices import Role
from tests import factories as f
from tests.conftest import client_for
from tickets import services
from tickets.choices import Channel, Severity, TicketKind, TicketStatus

ROOT = Path(__file__).resolve().parents[1]
CATALOG_DIR = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = CATALOG_DIR / "django.po"
MO = CATALOG_DIR / "django.mo"
# What makemessages must not scan (the --ignore list of the docstring), plus build output.
NOT_SOURCE = {"bench", "tests", "docs", "locale", "staticfiles", "media", "node_modules"}

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[sdif%]")
BRACE = re.compile(r"\{[A-Za-z_]\w*\}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def _in_ci() -> bool:
    return os.environ.get("CI") in ("true", "1")


# --------------------------------------------------------------------------- a small .po reader


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def _unquote(text: str) -> str:
    return ast.literal_eval(text)  # a PO string is a C string; these escapes match Python's


def parse_po(path: Path) -> list[Entry]:
    """Parse a .po file (no obsolete ``#~`` entries) into entries, header included."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int | None] | None = None

    def flush() -> None:
        nonlocal current, target
        if current.msgstr or current.msgid:
            entries.append(current)
        current, target = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if current.msgstr:
                flush()
            current.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword.startswith('"'):
            assert target is not None, f"{path}:{number}: continuation outside an entry"
            name, index = target
            text = _unquote(line)
            if name == "msgstr":
                current.msgstr[index or 0] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
            continue
        if keyword in ("msgctxt", "msgid") and current.msgstr:
            flush()
        current.line = current.line or number
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            index = int(match.group(1))
            current.msgstr[index] = _unquote(rest)
            target = ("msgstr", index)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(rest)
            target = ("msgstr", None)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    flush()
    return entries


def _messages(path: Path) -> list[Entry]:
    return [entry for entry in parse_po(path) if entry.msgid]


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return _messages(PO)


def _where(entry: Entry) -> str:
    return f"django.po:{entry.line} {entry.msgid!r}"


# --------------------------------------------------------------------------- the catalog


def test_header_declares_utf8_and_one_plural_form():
    header = next(entry for entry in parse_po(PO) if not entry.msgid)
    text = header.msgstr[0]
    assert "fuzzy" not in header.flags
    assert "Language: zh_Hans\n" in text
    assert "charset=UTF-8" in text
    assert "Plural-Forms: nplurals=1; plural=0;" in text


def test_catalog_is_not_trivially_small(entries):
    # A guard against a broken parser or an accidentally emptied catalog.
    assert len(entries) > 300


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"{_where(entry)} is fuzzy")
        if set(entry.msgstr) != {0}:  # zh has one form, plural entries included
            problems.append(f"{_where(entry)} has forms {sorted(entry.msgstr)}, expected [0]")
        if not all(text.strip() for text in entry.msgstr.values()):
            problems.append(f"{_where(entry)} is not translated")
    assert not problems, "\n".join(problems)


def test_translations_are_chinese(entries):
    """A translation left in English (copied source text) is a missed string."""
    same_as_source = {"API", "REST API"}  # names stay as they are
    copied = []
    for entry in entries:
        text = entry.msgstr.get(0, "")
        if entry.msgid in same_as_source or re.search(r"[\u4e00-\u9fff]", text):
            continue
        # No Chinese at all: only placeholders and punctuation may remain.
        if re.search(r"[A-Za-z]{2,}", BRACE.sub("", PLACEHOLDER.sub("", text))):
            copied.append(_where(entry))
    assert not copied, "\n".join(copied)


def _placeholders(text: str, brace: bool) -> list[str]:
    found = PLACEHOLDER.findall(text)
    if brace:
        found += BRACE.findall(text)
    return sorted(found)


def test_placeholders_and_tags_are_kept(entries):
    problems = []
    for entry in entries:
        brace = "python-brace-format" in entry.flags
        # With one plural form, the translation must carry the plural text's placeholders.
        source = entry.msgid_plural or entry.msgid
        for text in entry.msgstr.values():
            if _placeholders(text, brace) != _placeholders(source, brace):
                problems.append(f"{_where(entry)}: placeholders differ in {text!r}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(source)):
                problems.append(f"{_where(entry)}: HTML tags differ in {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_format_without_errors(entries):
    for entry in entries:
        names = re.findall(r"%\((\w+)\)", entry.msgid_plural or entry.msgid)
        if not names or "python-format" not in entry.flags:
            continue
        values = dict.fromkeys(names, 1)
        for text in entry.msgstr.values():
            text % values  # raises on a broken placeholder


def test_committed_mo_matches_the_po(entries):
    """The .mo is what Django reads; it must say exactly what the .po says."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    catalog = dict(compiled._catalog)  # the parsed .mo: {msgid or (msgid, n): msgstr}
    catalog.pop("", None)  # the header
    expected: dict[object, str] = {}
    for entry in entries:
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                expected[(entry.key, index)] = text
    stale = sorted(str(k) for k in expected.keys() ^ catalog.keys())
    changed = sorted(str(k) for k in expected.keys() & catalog.keys() if expected[k] != catalog[k])
    assert not stale and not changed, (
        "django.mo is out of date; run: python manage.py compilemessages -l zh_Hans "
        f"--ignore=.venv\nmissing or extra: {stale[:10]}\nchanged: {changed[:10]}"
    )
    assert compiled.info().get("plural-forms") == "nplurals=1; plural=0;"


def test_no_string_in_the_source_is_missing_from_the_catalog(tmp_path):
    """Run makemessages on a copy of the source, so the real catalog is left alone."""
    for tool in ("xgettext", "msgmerge", "msguniq"):
        if shutil.which(tool) is None:
            if _in_ci():
                pytest.fail(f"{tool} (Debian package gettext) is required under CI")
            pytest.skip(f"{tool} (gettext) is not installed")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for path in ROOT.iterdir():
        skipped = path.name.startswith(".") or path.name.endswith(".egg-info")
        if path.is_dir() and not skipped and path.name not in NOT_SOURCE:
            shutil.copytree(path, tmp_path / path.name, ignore=ignore)
    shutil.copytree(ROOT / "locale", tmp_path / "locale", ignore=ignore)
    before = PO.read_bytes()
    shutil.copy2(ROOT / "manage.py", tmp_path / "manage.py")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "servicedesk.settings"
    env["PYTHONPATH"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert PO.read_bytes() == before, "makemessages must only touch the copy"
    merged = _messages(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    missing = [
        entry.msgid
        for entry in merged
        if "fuzzy" in entry.flags or not all(text.strip() for text in entry.msgstr.values())
    ]
    assert merged and not missing, (
        "strings without a Chinese translation (run makemessages and translate them):\n"
        + "\n".join(missing)
    )


# --------------------------------------------------------------------------- the glossary


def test_glossary_terms_are_used():
    with translation.override("zh-hans"):
        kinds = {str(label) for label in TicketKind.labels}
        statuses = {str(label) for label in TicketStatus.labels}
        severities = [str(label) for label in Severity.labels]
        roles = {str(label) for label in Role.labels}
        assert {"咨询", "服务请求", "建议", "投诉", "故障", "个性化需求"} == kinds
        assert {"已受理", "等待客户", "已解决", "已关闭"} <= statuses
        assert [s.split(" – ")[0] for s in severities] == [
            "一级故障",
            "二级故障",
            "三级故障",
            "四级故障",
        ]
        assert severities[0] == "一级故障 – 系统瘫痪"
        assert {"客服经理", "客服中心经理", "技术员", "测试员"} <= roles
        assert str(Channel.HOTLINE.label) == "热线"
        assert translation.gettext("Hotline duty log") == "热线值班记录"
        assert translation.gettext("Ticket number") == "工单编号"
        assert translation.gettext("Reopen") == "重新打开"
        assert translation.gettext("Customer confirmation") == "客户确认"


# --------------------------------------------------------------------------- pages and the API

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


@pytest.mark.django_db
def test_portal_speaks_chinese_to_a_customer_whose_browser_asks_for_it(client, customer, product):
    services.ticket_create(
        actor=customer,
        title="Invoices do not print",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
        proposed_severity="L2",
    )
    client.force_login(customer)
    response = client.get(reverse("portal:ticket-list"), **ZH)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    for text in ("我的工单", "提交工单", "工单编号", "故障", "新建", "待确认"):
        assert text in html, text
    assert "My requests" not in html


@pytest.mark.django_db
def test_language_cookie_switches_the_portal_to_chinese(client, customer):
    client.force_login(customer)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("portal:ticket-create")).content.decode()
    assert "提交工单" in html
    assert "一级故障 – 系统瘫痪" in html
    assert "Submit a request" not in html


@pytest.mark.django_db
def test_staff_queue_and_ticket_page_speak_chinese(client, agent, customer, product):
    ticket = services.ticket_create(
        actor=customer,
        title="Invoices do not print",
        kind=TicketKind.FAULT,
        channel=Channel.PORTAL,
        product=product,
    )
    client.force_login(agent)
    queue = client.get(reverse("staff:queue"), **ZH).content.decode()
    for text in ("工单队列", "登记来电", "筛选条件", "处理人"):
        assert text in queue, text
    assert "Triage queue" not in queue
    page = client.get(reverse("staff:ticket", kwargs={"pk": ticket.pk}), **ZH).content.decode()
    for text in ("工单信息", "处理记录", "内部备注", "变更状态", "受理"):
        assert text in page, text


@pytest.mark.django_db
def test_api_errors_are_chinese(customer, product):
    client = client_for(customer)
    response = client.post(
        "/api/v1/tickets/",
        {"kind": "fault", "product": product.pk, "description": "E42"},
        format="json",
        **ZH,
    )
    assert response.status_code == 400
    body = response.json()
    assert re.search(r"[\u4e00-\u9fff]", body["detail"]), body
    assert re.search(r"[\u4e00-\u9fff]", str(body.get("fields", {}).get("title", ""))), body


@pytest.mark.django_db
def test_api_not_found_is_chinese(customer, other_customer, product):
    ticket = services.ticket_create(
        actor=other_customer,
        title="Not yours",
        kind=TicketKind.CONSULTATION,
        channel=Channel.PORTAL,
        product=product,
    )
    response = client_for(customer).get(f"/api/v1/tickets/{ticket.pk}/", **ZH)
    assert response.status_code == 404
    assert response.json()["detail"] == "未找到该工单。"


@pytest.mark.django_db
def test_english_stays_the_default(client):
    user = f.CustomerFactory()
    client.force_login(user)
    html = client.get(reverse("portal:ticket-list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My requests" in html
    assert "我的工单" not in html
