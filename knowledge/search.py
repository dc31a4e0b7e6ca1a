"""Search text for PostgreSQL's full-text index, made to work for Chinese.

PostgreSQL's parsers split words on spaces and punctuation; Chinese has neither between
words, so ``to_tsvector`` would index a whole sentence as one lexeme. Here the text is
tokenized before it reaches PostgreSQL: every run of CJK characters becomes its overlapping
character pairs (``数据库`` → ``数据 据库``), other words stay words. A query is tokenized the
same way: a Chinese term needs every one of its pairs (``数据 & 据库``), a single character
any pair starting with it (``数:*``), any other word is a prefix (``export:*`` finds
"exported"). The index (GIN over the ``tsvector``) then answers every term exactly, with no
recheck of the rows, two-character Chinese words included, which a trigram index cannot
narrow. Pairs rather than a phrase (``数据 <-> 据库``): a phrase makes PostgreSQL re-read
every candidate's vector for the positions (3-4x slower on common terms), and a text holding
both pairs of a three-character term apart from each other, and not the term, is rare.

Pure: no database.
"""

from __future__ import annotations

import re

# CJK ideographs (with extension A and the compatibility block), kana and hangul, by run
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")


def _pieces(run: str) -> list[str]:
    if not _IS_CJK.match(run):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> str:
    """``text`` as space-separated index tokens (lower-cased; CJK runs as pairs)."""
    return " ".join(piece for run in _TOKEN.findall(text.lower()) for piece in _pieces(run))


def tsquery(terms: list[str]) -> str | None:
    """A raw ``to_tsquery('simple', ...)`` text requiring every term; None if no term has a
    word in it (punctuation only). Lexemes are letters and digits only, so nothing needs
    quoting."""
    parts: list[str] = []
    for term in terms:
        for run in _TOKEN.findall(term.lower()):
            pieces = _pieces(run)
            if _IS_CJK.match(run) and len(run) > 1:
                parts.append(" & ".join(pieces))
            else:
                parts.append(f"{pieces[0]}:*")
    return " & ".join(parts) or None
