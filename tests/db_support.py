"""How the test run empties and creates its PostgreSQL databases (only how, never what).

Emptying: a transactional test (``django_db(transaction=True)``, every ``live_server`` test)
ends with Django's ``flush``, one ``TRUNCATE`` of all ~110 tables. PostgreSQL gives every
truncated table and index a new file, and on these machines that costs 3-5 s per test,
while the tables hold a few rows. ``fast_flush_install`` makes ``flush`` delete the rows
instead (a few milliseconds a table), with triggers and foreign-key checks off for that one
transaction (``session_replication_role = replica``), as ``TRUNCATE`` fires no row trigger
either: the roll-up triggers must not count a flush as deletions. The end state is the
same: every table empty, sequences where they were, except two: the content types and
permissions stay, since the ``post_migrate`` that follows every flush would write the very
same rows again (no test creates either; keeping them also keeps ``ContentType``'s cache
right). Needs a superuser (the suite's ``postgres``); otherwise, and when sequences must
restart, ``flush`` truncates every table as before.
"""

from __future__ import annotations

from django.db.backends.postgresql.operations import DatabaseOperations

_truncate = DatabaseOperations.sql_flush
# Written back by the post_migrate signal after each flush, row for row.
KEPT = frozenset({"django_content_type", "auth_permission"})


def _may_disable_triggers(connection) -> bool:
    cached = getattr(connection, "_tests_may_disable_triggers", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            cached = bool(cursor.fetchone()[0])
        connection._tests_may_disable_triggers = cached
    return cached


def _delete_rows(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if not tables or reset_sequences or not _may_disable_triggers(self.connection):
        return _truncate(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
    # execute_sql_flush runs these in one transaction: SET LOCAL ends with it.
    return [
        "SET LOCAL session_replication_role = replica;",
        *(
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
            if table not in KEPT
        ),
    ]


def fast_flush_install() -> None:
    DatabaseOperations.sql_flush = _delete_rows
