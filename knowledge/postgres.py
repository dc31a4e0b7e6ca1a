"""PostgreSQL-only pieces of the knowledge base's schema.

The trigram index exists only on PostgreSQL (``pg_trgm``); on SQLite, the embedded default,
search scans with ``icontains`` instead. The migration state keeps the index either way, so
``makemigrations --check`` agrees with the model on both.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


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
