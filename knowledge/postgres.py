"""PostgreSQL-only pieces of the knowledge base's schema.

The trigram index exists only on PostgreSQL (``pg_trgm``); on SQLite, the embedded default,
search scans with ``icontains`` instead. The migration state keeps the index either way, so
``makemigrations --check`` agrees with the model on both.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from . import search


class AddIndexOnPostgres(migrations.AddIndex):
    """``AddIndex`` that creates (and drops) the index on PostgreSQL only."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


class TrigramExtensionOnPostgres(TrigramExtension):
    """``pg_trgm``, created on PostgreSQL only, and dropped on PostgreSQL only: Django's
    ``CreateExtension`` skips other databases going forwards but not backwards (it asks
    ``pg_extension``, which SQLite does not have)."""

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


class RunSQLOnPostgres(migrations.RunSQL):
    """``RunSQL`` (with its reverse) on PostgreSQL only."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)


# The article's long texts (problem, cause, solution, search text and vector) go to TOAST
# storage, the title stays in the row: a search reads thousands of matching rows for their
# title, counters and status, and a narrow row is ten times fewer pages (66 MB -> 6.6 MB
# for 20,000 articles; docs/PERFORMANCE.md, "Knowledge search").
NARROW_ARTICLE_ROWS = RunSQLOnPostgres(
    sql=[
        "ALTER TABLE knowledge_article SET (toast_tuple_target = 128)",
        "ALTER TABLE knowledge_article ALTER COLUMN title SET STORAGE MAIN",
    ],
    reverse_sql=[
        "ALTER TABLE knowledge_article ALTER COLUMN title SET STORAGE EXTENDED",
        "ALTER TABLE knowledge_article RESET (toast_tuple_target)",
    ],
)


# The search rows hold a vector of a few KB and two numbers: with the same target the vector
# goes to TOAST and a row is ~60 bytes, so ranking thousands of matches reads ~150 pages
# for 20,000 articles instead of the articles' ~3,000 (docs/PERFORMANCE.md).
NARROW_SEARCH_ROWS = RunSQLOnPostgres(
    sql=["ALTER TABLE knowledge_articlesearch SET (toast_tuple_target = 128)"],
    reverse_sql=["ALTER TABLE knowledge_articlesearch RESET (toast_tuple_target)"],
)

_ROWS = """
SELECT a.id, a.search_text, a.title, a.status, a.audience, a.helpful_count,
       array_remove(array_agg(p.product_id), NULL)
FROM knowledge_article a LEFT JOIN knowledge_article_products p ON p.article_id = a.id
WHERE a.id = ANY(%s)
GROUP BY a.id
"""
_UPSERT = """
INSERT INTO knowledge_articlesearch (article_id, vector, helpful_count)
SELECT id, vector::tsvector, helpful
FROM unnest(%s::bigint[], %s::text[], %s::integer[]) AS rows (id, vector, helpful)
ON CONFLICT (article_id) DO UPDATE
SET vector = EXCLUDED.vector, helpful_count = EXCLUDED.helpful_count
"""
BATCH = 1000


def search_rows_write(cursor: Any, article_ids: list[int] | None = None) -> int:
    """(Re)write the search rows (``knowledge.models.ArticleSearch``) of ``article_ids``, or
    of every article, from the articles as they are now: the one writer of that table, used
    by the services (inside their transaction, after the article and its products are
    saved), the migration that made the table, and the benchmark's bulk load. Raw SQL on
    purpose: a migration calls it too. Returns the number of rows written."""
    if article_ids is None:
        cursor.execute("SELECT id FROM knowledge_article ORDER BY id")
        article_ids = [row[0] for row in cursor.fetchall()]
    written = 0
    for start in range(0, len(article_ids), BATCH):
        cursor.execute(_ROWS, [list(article_ids[start : start + BATCH])])
        ids, vectors, helpful = [], [], []
        for pk, text, title, status, audience, helpful_count, products in cursor.fetchall():
            words = search.lexemes(
                text, title=title, status=status, audience=audience, product_ids=products
            )
            ids.append(pk)
            vectors.append(search.vector_literal(words))
            helpful.append(helpful_count)
        if ids:
            cursor.execute(_UPSERT, [ids, vectors, helpful])
            written += len(ids)
    return written


class RemoveIndexOnPostgres(migrations.RemoveIndex):
    """``RemoveIndex`` of an ``AddIndexOnPostgres`` index. Elsewhere it may exist all the
    same: SQLite rebuilds a table for some changes and then creates every index of the
    model state, a plain index in place of the GIN one; it is dropped if there."""

    def database_forwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, *args)
        else:
            name = schema_editor.quote_name(self.name)
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    def database_backwards(self, app_label: str, schema_editor: Any, *args: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, *args)
