# The reports read a period's tickets from the created_at index alone.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0016_sweep_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_created",
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["created_at"],
                include=(
                    "team",
                    "first_response_outcome",
                    "resolution_outcome",
                    "updates_on_time",
                    "updates_missed",
                ),
                name="ticket_created",
            ),
        ),
    ]
