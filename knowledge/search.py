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

The vector is written verbatim (``array_to_tsvector``, no parser between) into the narrow
search table (``knowledge.models.ArticleSearch``), and with the text's tokens it carries
marks that no text token can be (they start with ``_``, which tokens never hold): the
title's tokens again (``_t数据``, for "title matches first"), the status (``_spublished``)
and, when customers may read the article at all (published and public), one mark per
product it is limited to (``_c7``) or ``_c0`` for none. So the index alone answers the
whole customer search, visibility included, and a search reads no article row until the
20 it shows (docs/PERFORMANCE.md, "Knowledge search").

Pure: no database (marks and queries are text; ``knowledge.postgres`` writes the rows).
"""

from __future__ import annotations

import re

from .choices import ArticleStatus, Audience

# CJK ideographs (with extension A and the compatibility block), kana and hangul, by run
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
# a lexeme is at most 2,046 bytes; longer runs (a pasted hash, a log line) are cut, the same
# way in the text and in the query, so a prefix of them is still found
MAX_TOKEN = 100
TITLE = "_t"
CUSTOMERS = "_c"
# PostgreSQL moves a value out of the row (TOAST) only when the row passes ~2 KB, whatever
# ``toast_tuple_target`` says; an English article's vector (~700 bytes) would stay in the
# search row and make it ten times wider. One constant lexeme of 2,040 bytes in every vector
# makes every row pass, and compresses to a few bytes: the rows stay ~60 bytes, ~150 pages
# for 20,000 articles instead of ~1,000 (docs/PERFORMANCE.md, "Knowledge search").
PADDING = "_" + "z" * 2039


def _pieces(run: str) -> list[str]:
    if not _IS_CJK.match(run):
        return [run[:MAX_TOKEN]]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> str:
    """``text`` as space-separated index tokens (lower-cased; CJK runs as pairs)."""
    return " ".join(piece for run in _TOKEN.findall(text.lower()) for piece in _pieces(run))


def status_mark(status: str) -> str:
    return f"_s{status}"


def customer_mark(product_id: int | None) -> str:
    """Published, public, and for ``product_id`` (None: limited to no product)."""
    return CUSTOMERS + (str(int(product_id)) if product_id is not None else "0")


def lexemes(
    text: str, *, title: str, status: str, audience: str, product_ids: list[int]
) -> list[str]:
    """The search row's vector as a sorted list of lexemes: the tokens of ``text``, the
    title's tokens marked ``_t``, the status mark, the customer marks when customers may
    read it (published and public: ``_c0`` with no product, else one per product), and
    the padding that sends the vector out of the row."""
    words = set(tokens(text).split())
    words.update(TITLE + word for word in tokens(title).split())
    words.add(status_mark(status))
    if status == ArticleStatus.PUBLISHED and audience == Audience.PUBLIC:
        words.update([customer_mark(p) for p in product_ids] or [customer_mark(None)])
    words.add(PADDING)
    return sorted(words)


def quote(lexeme: str, prefix: bool = False) -> str:
    """``lexeme`` quoted for a ``tsquery`` or ``tsvector`` literal (``:*``: a prefix)."""
    # tokens are letters and digits, marks add "_" and ASCII: nothing to escape, but be safe
    text = "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
    return text + ":*" if prefix else text


def vector_literal(words: list[str]) -> str:
    """A ``::tsvector`` literal holding exactly ``words`` (no positions)."""
    return " ".join(quote(word) for word in words)


def _term_parts(term: str, mark: str = "") -> list[str]:
    parts: list[str] = []
    for run in _TOKEN.findall(term.lower()):
        pieces = _pieces(run)
        if _IS_CJK.match(run) and len(run) > 1:
            parts.extend(quote(mark + piece) for piece in pieces)
        else:
            parts.append(quote(mark + pieces[0], prefix=True))
    return parts


def match_query(terms: list[str]) -> str | None:
    """A ``::tsquery`` text (lexemes verbatim, as ``lexemes`` wrote them) requiring every
    term; None if no term has a word in it (punctuation only)."""
    parts = [part for term in terms for part in _term_parts(term)]
    return " & ".join(parts) or None


def title_query(term: str) -> str | None:
    """The ``::tsquery`` text of "the title holds ``term``" (its marked title tokens)."""
    return " & ".join(_term_parts(term, TITLE)) or None


def status_query(statuses: list[str]) -> str | None:
    """The ``::tsquery`` text of "one of ``statuses``" (staff filtering by status)."""
    return "(" + " | ".join(quote(status_mark(s)) for s in statuses) + ")" if statuses else None
