"""Full-text search vectors on tickets and messages (see support/tickets/search.py).

Existing rows are filled by `fill_search_vectors`; the GIN indexes exist on PostgreSQL only.
"""

import django.contrib.postgres.search
from django.db import migrations, models

INDEXES = {
    "ticket_search_gin": "tickets_ticket USING gin (search_vector)",
    "message_search_gin": "tickets_message USING gin (search_vector)",
}


def fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from support.tickets.search import fill_search_vectors

    fill_search_vectors()
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_notifications_and_digests")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["reference"],
                name="ticket_reference_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        migrations.RunPython(fill, drop),
    ]
