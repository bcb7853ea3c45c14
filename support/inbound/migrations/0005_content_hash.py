from django.db import migrations, models
from django.db.models import F


def hash_of_stored_messages(apps, schema_editor):
    """Messages stored before content hashes existed keep their byte hash as content hash:
    still unique, and the same bytes arriving again are still recognised."""
    InboundEmail = apps.get_model("inbound", "InboundEmail")
    InboundEmail.objects.update(content_hash=F("sha256"))


class Migration(migrations.Migration):
    dependencies = [
        ("inbound", "0004_delete_inboundtoken"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="inboundemail",
            name="inbound_unique_message_id",
        ),
        migrations.AlterField(
            model_name="inboundemail",
            name="message_id",
            field=models.CharField(
                blank=True, db_index=True, max_length=255, verbose_name="Message-ID"
            ),
        ),
        migrations.AddField(
            model_name="inboundemail",
            name="charsets",
            field=models.TextField(
                blank=True,
                help_text="How each piece of text was decoded from the original bytes, and why.",
                verbose_name="charsets",
            ),
        ),
        migrations.AddField(
            model_name="inboundemail",
            name="content_hash",
            field=models.CharField(default="", max_length=64, verbose_name="content hash"),
            preserve_default=False,
        ),
        migrations.RunPython(hash_of_stored_messages, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="inboundemail",
            name="content_hash",
            field=models.CharField(
                help_text=(
                    "SHA-256 of what the sender wrote (Message-ID, addresses, subject, date, "
                    "body), without the headers servers add on the way: the same message "
                    "delivered twice has the same hash, another message reusing a Message-ID "
                    "does not."
                ),
                max_length=64,
                unique=True,
                verbose_name="content hash",
            ),
        ),
    ]
