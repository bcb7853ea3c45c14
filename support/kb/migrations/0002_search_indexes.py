"""Search indexes on PostgreSQL: a GIN index on the weighted vector, and pg_trgm
GIN indexes so substring matching (how Chinese is found) doesn't scan every row.

Chinese is matched with LIKE (`contains`) on the columns themselves; Latin-script
title matches use Django's `icontains`, i.e. UPPER(column) LIKE UPPER(pattern),
hence the UPPER(...) indexes. Nothing happens on SQLite.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "kb_translation_search_gin": "USING gin (search_vector)",
    "kb_translation_title_trgm": "USING gin (title gin_trgm_ops)",
    "kb_translation_summary_trgm": "USING gin (summary gin_trgm_ops)",
    "kb_translation_body_trgm": "USING gin (body gin_trgm_ops)",
    "kb_translation_title_upper_trgm": "USING gin (UPPER(title) gin_trgm_ops)",
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
