"""Tables as downloads: one writer for every export of the pages and the API (CSV streamed,
XLSX built write-only), the same cap and the same protections everywhere. The report
exports of ``reports/`` are meant to build on it.

A ``Table`` is what a selector returns for an export: a file name, translated headers and
the rows (an iterator, so a long export is read from the database in chunks and never sits
in memory as a whole list). Cells a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

EXPORT_LIMIT = 50_000  # rows of one export; narrow the filters for more
CHUNK = 1000  # rows read (and their references prefetched) per query
FORMATS = ("csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    name: str  # the file name's stem; the date and extension are added
    title: str  # the sheet's title
    headers: list[str]
    rows: Iterable[list[Any]]


def safe(value: Any) -> Any:
    """Text a spreadsheet would evaluate (=, +, -, @ ...) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


class _Echo:
    """A file-like object whose ``write`` returns the line, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv(table: Table) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so that spreadsheet programs read the UTF-8 (Chinese) text
        yield writer.writerow(table.headers)
        for row in table.rows:
            yield writer.writerow(
                [v.isoformat() if isinstance(v, dt.date) else safe(v) for v in row]
            )

    return StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")


def _xlsx(table: Table) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(table.title[:31])
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return HttpResponse(out.getvalue(), content_type=XLSX)


def export_response(table: Table, kind: str) -> HttpResponse | StreamingHttpResponse:
    """``table`` as a ``csv`` or ``xlsx`` download (always an attachment, never sniffed)."""
    if kind not in FORMATS:
        raise ValueError(kind)
    response: HttpResponse | StreamingHttpResponse = _csv(table) if kind == "csv" else _xlsx(table)
    name = f"{table.name}-{timezone.localdate().isoformat()}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
