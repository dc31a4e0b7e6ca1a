"""The glossary is the single source of terms: the catalog translates each of its English
terms with its Chinese term.

``docs/GLOSSARY.md`` is the repository's copy of the shared glossary (plus a short section of
terms the UI added): this test reads it, not the shared file. For every row, the English
alternatives ("Resolved / Closed") pair with the Chinese ones ("已解决 / 已关闭") when both have
as many; otherwise any of the Chinese alternatives is accepted ("客户 / 需方").

Every catalog entry *without a context* whose msgid equals an English term (ignoring case and
a final full stop) must translate to one of that term's Chinese words. A msgid that means
something else in one place (a button "Change" vs. what a fix changed) gets a ``pgettext``
context there, and the context keeps it out of this check. Role names are also checked inside
longer sentences: "manager" must read 客服中心经理, never a bare 经理.
"""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "GLOSSARY.md"
CATALOG = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def glossary_terms(text: str) -> dict[str, set[str]]:
    """English term (lower case) -> the Chinese words that translate it."""
    terms: dict[str, set[str]] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.search(r"[\u4e00-\u9fff]", cells[0]):
            continue
        zh = [z.strip() for z in re.split(r"\s*/\s*", cells[0]) if z.strip()]
        en = [e.strip() for e in re.split(r"\s+/\s+", cells[1]) if e.strip()]
        zh = [re.sub(r"\s*\(.*?\)$", "", z) for z in zh]  # 服务级别协议 (SLA)
        en = [re.sub(r"\s*\(.*?\)$", "", e) for e in en]  # First-contact resolution (FCR)
        for i, term in enumerate(en):
            words = {zh[i]} if len(zh) == len(en) else set(zh)
            terms.setdefault(term.lower(), set()).update(words)
    return terms


def mismatches(entries, terms: dict[str, set[str]]) -> list[str]:
    out = []
    for entry in entries:
        if entry.obsolete or entry.msgctxt or not entry.msgstr:
            continue
        key = entry.msgid.strip().rstrip(".").lower()
        words = terms.get(key)
        if words and not any(w in entry.msgstr for w in words):
            out.append(f"{entry.msgid!r} -> {entry.msgstr!r}, glossary: {sorted(words)}")
    return out


# Role names inside sentences: the English word and the Chinese it must read as (a bare
# 经理 is not enough).
ROLES = [
    (r"\bmanagers?\b", "客服中心经理"),
]


def role_drift(entries) -> list[str]:
    out = []
    for entry in entries:
        if entry.obsolete or not entry.msgstr:
            continue
        for english, chinese in ROLES:
            named = re.search(english, entry.msgid, re.IGNORECASE) and "经理" in entry.msgstr
            if named and chinese not in entry.msgstr and "客服经理" not in entry.msgstr:
                out.append(f"{entry.msgid!r} -> {entry.msgstr!r}: say {chinese}")
    return out


@pytest.fixture(scope="module")
def catalog():
    return polib.pofile(str(CATALOG))


def test_the_glossary_copy_has_the_terms_the_screens_use():
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    assert terms["ticket"] == {"工单", "服务工单"}
    assert terms["resolved"] == {"已解决"} and terms["closed"] == {"已关闭"}
    assert terms["service agent"] == {"客服经理"}
    assert terms["service-center manager"] == {"客服中心经理"}
    assert terms["staff"] == {"工作人员"} and terms["assign"] == {"分派"}


def test_every_glossary_term_in_the_catalog_has_the_glossarys_chinese(catalog):
    terms = glossary_terms(GLOSSARY.read_text(encoding="utf-8"))
    assert mismatches(catalog, terms) == []


def test_managers_are_called_by_their_full_title(catalog):
    assert role_drift(catalog) == []


def test_the_check_fails_on_a_term_translated_otherwise():
    """Break it on purpose: a drifted entry is reported, a context keeps another sense out."""
    terms = glossary_terms(
        "| 分派 | Assign | assign | x |\n| 已关闭 / 已解决 | Closed / Resolved | - | |"
    )
    drifted = polib.POEntry(msgid="Assign", msgstr="指派")
    other_sense = polib.POEntry(msgid="Closed", msgctxt="when", msgstr="关闭时间")
    good = polib.POEntry(msgid="Resolved.", msgstr="已解决。")
    assert mismatches([drifted, other_sense, good], terms) == [
        "'Assign' -> '指派', glossary: ['分派']"
    ]
    manager = polib.POEntry(msgid="Ask a manager.", msgstr="请询问经理。")
    assert role_drift([manager]) == ["'Ask a manager.' -> '请询问经理。': say 客服中心经理"]


def test_severity_badges_say_the_levels_as_users_do(catalog):
    levels = {e.msgid: e.msgstr for e in catalog if e.msgctxt == "severity level"}
    assert levels == {"L1": "一级故障", "L2": "二级故障", "L3": "三级故障", "L4": "四级故障"}
