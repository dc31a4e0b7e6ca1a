"""Tables as downloads: one writer for every export of the pages and the API (CSV streamed,
XLSX built write-only), the same protections everywhere. The report exports of ``reports/``
build on it (``workbook``: one sheet per section).

CSV has no row cap: rows are read in chunks from a server-side cursor and written as they
come, so memory stays flat however long the export (docs/PERFORMANCE.md, "CSV export").
An XLSX is built whole before it is sent, so it stops at ``XLSX_LIMIT`` rows and says so in
its last row; narrow the filters, or take the CSV, for more.

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
from django.utils.translation import gettext as _

XLSX_LIMIT = 50_000  # rows of one XLSX sheet; the CSV has no cap
CHUNK = 2000  # rows read (and their references prefetched) per query
CSV_BUFFER = 64 * 1024  # characters written to the client at once
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


def csv_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe(value)


def csv_chunks(table: Table, size: int = CSV_BUFFER) -> Iterator[str]:
    """The table as CSV text in pieces of about ``size`` characters: one write to the client
    per piece rather than per row (per-row writes cost more than the rows themselves)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM, so that spreadsheet programs read UTF-8 (Chinese) text
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([csv_cell(v) for v in row])
        if buffer.tell() >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv(table: Table) -> StreamingHttpResponse:
    return StreamingHttpResponse(csv_chunks(table), content_type="text/csv; charset=utf-8")


def workbook(tables: Iterable[Table]) -> bytes:
    """An XLSX with one sheet per table (at most ``XLSX_LIMIT`` rows each)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        title = sheet_title(table.title, used)
        sheet = book.create_sheet(title)
        sheet.append(table.headers)
        for count, row in enumerate(table.rows):
            if count == XLSX_LIMIT:
                sheet.append([_("Only the first %(n)d rows: take the CSV for all.") % {"n": count}])
                break
            sheet.append([xlsx_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_title(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
    name, n = clean, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def xlsx_cell(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
    return safe(value)


def _xlsx(table: Table) -> HttpResponse:
    return HttpResponse(workbook([table]), content_type=XLSX)


def export_response(table: Table, kind: str) -> HttpResponse | StreamingHttpResponse:
    """``table`` as a ``csv`` or ``xlsx`` download (always an attachment, never sniffed)."""
    if kind not in FORMATS:
        raise ValueError(kind)
    response: HttpResponse | StreamingHttpResponse = _csv(table) if kind == "csv" else _xlsx(table)
    name = f"{table.name}-{timezone.localdate().isoformat()}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
