"""Trigram indexes for searching subjects and messages (PostgreSQL only).

icontains becomes UPPER(column) LIKE UPPER(pattern) on PostgreSQL; these GIN
indexes answer it without reading every row. Where the pg_trgm extension
can't be created (no privilege), search still works, only slower.
"""

from django.db import migrations

INDEXES = [
    ("ticket_subject_trgm", "tickets_ticket", "subject"),
    ("message_body_trgm", "tickets_message", "body"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        try:
            cursor.execute("SAVEPOINT trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT trgm")
        except Exception:
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            return
        for name, table, column in INDEXES:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)"
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, _table, _column in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_next_due_index")]

    operations = [migrations.RunPython(create, drop)]
