"""The tickets export (/reports/tickets.csv, .xlsx): every row in the CSV (no cap), local
times, names, formula cells quoted, visibility, bad input 400, queries per chunk not per row."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from servicedesk import exports
from tests import factories as f

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def url(kind="csv", **params) -> str:
    today = timezone.localdate()
    query = {"start": (today - timedelta(days=10)).isoformat(), "end": today.isoformat()}
    query.update(params)
    return f"/reports/tickets.{kind}?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_the_csv_has_every_row_even_past_the_xlsx_cap(client, manager, org, team, monkeypatch):
    monkeypatch.setattr(exports, "XLSX_LIMIT", 3)
    monkeypatch.setattr(exports, "CSV_BUFFER", 100)  # many pieces: streaming really happens
    now = timezone.now()
    for i in range(7):
        f.TicketFactory(organization=org, team=team, created_at=now - timedelta(hours=i))
    f.TicketFactory(organization=org, title="=cmd|' /C calc'!A0", created_at=now)
    f.TicketFactory(organization=org, created_at=now - timedelta(days=30))  # outside
    client.force_login(manager)
    response = client.get(url())
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0][:3] == ["Ticket number", "Received", "Customer"]
    assert len(rows) == 1 + 8
    assert {r[2] for r in rows[1:]} == {"Acme Power"}
    assert any(r[9] == "Remote support" for r in rows[1:])
    assert "'=cmd|' /C calc'!A0" in [r[11] for r in rows]
    local = timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    assert any(r[1].startswith(local) for r in rows[1:])  # the desk's time, not UTC
    book = load_workbook(io.BytesIO(client.get(url("xlsx")).content))
    sheet = list(book.active.iter_rows(values_only=True))
    assert len(sheet) == 1 + 3 + 1 and "CSV" in sheet[-1][0]


def test_customers_export_only_their_organizations_tickets(client, customer, org, other_org):
    f.TicketFactory(organization=org, created_at=timezone.now())
    f.TicketFactory(organization=other_org, created_at=timezone.now())
    client.force_login(customer)
    rows = read_csv(client.get(url()))
    assert [r[2] for r in rows[1:]] == ["Acme Power"]
    rows = read_csv(client.get(url(organization=other_org.pk)))
    assert rows[1:] == []


@pytest.mark.parametrize(
    "params",
    [
        {"start": "x"},
        {"end": "2026-02-30"},
        {"start": "2026-05-02", "end": "2026-05-01"},
        {"team": "-1"},
    ],  # fmt: skip
)
def test_bad_parameters_are_a_400_with_the_reason(client, manager, params):
    client.force_login(manager)
    response = client.get(url(**params))
    assert response.status_code == 400
    assert response.content


def test_queries_grow_with_chunks_not_rows(client, manager, org, monkeypatch):
    monkeypatch.setattr("reports.selectors.CHUNK", 50)
    for _ in range(120):
        f.TicketFactory(organization=org, team=None, created_at=timezone.now())
    client.force_login(manager)
    with CaptureQueriesContext(connection) as queries:
        assert len(read_csv(client.get(url()))) == 121
    assert len(queries) <= 12
