"""The search indexes without GIN's pending list.

With `fastupdate` on (PostgreSQL's default) new entries wait in an unsorted list of up
to 4 MB that every search reads through, until a vacuum merges them; after articles are
imported or edited, finding 密码 scanned that list (hundreds of pages) and the planner,
seeing the cost, fell back to reading every row's vector. Articles change rarely and are
searched constantly, so entries go straight into the index. Nothing happens on SQLite.
"""

from django.db import migrations

INDEXES = [
    "kb_translation_search_gin",
    "kb_translation_title_trgm",
    "kb_translation_summary_trgm",
    "kb_translation_body_trgm",
    "kb_translation_title_upper_trgm",
]


def without_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (fastupdate = off)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def with_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("kb", "0004_index_character_pairs")]

    operations = [migrations.RunPython(without_pending_list, with_pending_list)]
