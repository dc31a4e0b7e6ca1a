"""Set-based writes of many rows in one statement, for the sweep and its digest step.

A sweep batch writes thousands of rows. ``bulk_create`` builds a model instance and prepares
every value of every row through the ORM, and sends a VALUES list that PostgreSQL parses
value by value; ``bulk_update`` builds a CASE per row and field. Here each column is one
parameter, a PostgreSQL array literal unnested on the server. Values still go through the
fields' ``get_db_prep_save``, and the fields a row leaves out take their model default.
Elsewhere (SQLite, the embedded default) the same rows go through the ORM's bulk operations.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import JSONField
from django.utils import timezone


def set_based() -> bool:
    """The array-based statements are PostgreSQL's."""
    return connection.vendor == "postgresql"


def array_literal(values: list[Any]) -> str:
    """``{"a","b",NULL}``: every element quoted, backslash and double quote escaped;
    numbers as they are."""
    items: list[str] = []
    append = items.append
    for value in values:
        if value is None:
            append("NULL")
        elif value is True or value is False:
            append("t" if value else "f")
        elif isinstance(value, int):
            append(str(int(value)))  # int(): an IntegerChoices member prints its name
        elif isinstance(value, float):
            append(repr(float(value)))
        elif isinstance(value, datetime):
            append('"' + value.isoformat() + '"')
        else:
            text = str(value)
            if "\\" in text or '"' in text:
                text = text.replace("\\", "\\\\").replace('"', '\\"')
            append('"' + text + '"')
    return "{" + ",".join(items) + "}"


# Fields whose values reach the array as they are: preparing them through the field
# (``get_db_prep_save``) returns the same value on PostgreSQL, at a cost per value.
PLAIN = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateTimeField",
        "FloatField",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def _arrays(model, names: list[str], rows: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """``unnest`` arguments (``%s::type[]``) and their parameters: one array per column."""
    db = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read once per value below
    placeholders, params = [], []
    for name in names:
        f = model._meta.get_field(name)
        if isinstance(f, JSONField):
            column = [
                None if r[f.attname] is None else json.dumps(r[f.attname], cls=f.encoder)
                for r in rows
            ]
            placeholders.append("%s::jsonb[]")
        else:
            kind = (f.target_field if f.is_relation else f).get_internal_type()
            if kind in PLAIN:
                column = [r[f.attname] for r in rows]
            else:
                column = [f.get_db_prep_save(r[f.attname], db) for r in rows]
            placeholders.append(f"%s::{f.db_type(db)}[]")
        params.append(array_literal(column))
    return placeholders, params


def insert_rows(model, rows: list[dict[str, Any]], suffix: str = "") -> list[tuple[Any, ...]]:
    """Insert ``rows`` (attname -> value) in one ``INSERT ... SELECT FROM unnest(...)``;
    ``suffix`` may add ``ON CONFLICT`` and ``RETURNING`` (the returned rows are the result;
    without PostgreSQL the rows are bulk-created and nothing is returned)."""
    if not rows:
        return []
    if not set_based():
        model.objects.bulk_create([model(**row) for row in rows])
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for row in rows:
        for f in fields:
            if f.attname not in row:
                auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                row[f.attname] = now if auto else f.get_default()
    quote = connection.ops.quote_name
    names = [f.attname for f in fields]
    placeholders, params = _arrays(model, names, rows)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT * FROM unnest({', '.join(placeholders)}) {suffix}"
    )  # names from the model, every value a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if "RETURNING" in suffix else []


def update_rows(model, objs: list[Any], names: list[str]) -> None:
    """Save the fields ``names`` of ``objs`` in one ``UPDATE ... FROM unnest(...)``: what
    ``bulk_update`` does without its CASE per field and row (4,000 expressions to build
    for 500 clocks, and 500 comparisons per row and field to run)."""
    if not objs:
        return
    if not set_based():
        model.objects.bulk_update(objs, names)
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in names)]
    rows = [{f.attname: getattr(obj, f.attname) for f in fields} for obj in objs]
    placeholders, params = _arrays(model, [f.attname for f in fields], rows)
    columns = ", ".join(quote(f.column) for f in fields)
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in fields[1:])
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM unnest({', '.join(placeholders)}) AS v ({columns}) "
        f"WHERE t.{quote(pk.column)} = v.{quote(pk.column)}"
    )  # names from the model, every value a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def update_value(model, ids: list[Any], name: str, value: Any) -> None:
    """Set the field ``name`` to ``value`` on the rows ``ids``: one ``UPDATE ... WHERE pk =
    ANY(array)`` (an ``IN`` list of thousands of parameters costs more to send and plan)."""
    if not ids:
        return
    if not set_based():
        for start in range(0, len(ids), 10_000):  # SQLite's limit of bound parameters
            model.objects.filter(pk__in=ids[start : start + 10_000]).update(**{name: value})
        return
    quote = connection.ops.quote_name
    pk, field = model._meta.pk, model._meta.get_field(name)
    db = connections[DEFAULT_DB_ALIAS]
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {quote(field.column)} = %s "  # noqa: S608
        f"WHERE {quote(pk.column)} = ANY(%s::{pk.db_type(db)}[])"
    )  # names from the model, every value a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [field.get_db_prep_save(value, db), array_literal(ids)])
