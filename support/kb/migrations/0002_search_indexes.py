"""Search indexes on PostgreSQL: a GIN index on the weighted vector, and pg_trgm
GIN indexes so substring matching (how Chinese is found) doesn't scan every row.

The trigram indexes are on UPPER(...) because Django's `icontains` compares
UPPER(column) LIKE UPPER(pattern). Nothing happens on SQLite.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "kb_translation_search_gin": "USING gin (search_vector)",
    "kb_translation_title_trgm": "USING gin (UPPER(title) gin_trgm_ops)",
    "kb_translation_summary_trgm": "USING gin (UPPER(summary) gin_trgm_ops)",
    "kb_translation_body_trgm": "USING gin (UPPER(body) gin_trgm_ops)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON kb_articletranslation {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("kb", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
