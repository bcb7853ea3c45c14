from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

INBOUND_MAIL = ["inbound.view_inboundemail", "inbound.change_inboundemail"]


def grant_permissions(apps, schema_editor):
    grant(apps, AGENTS, INBOUND_MAIL)
    grant(apps, ENGINEERS, INBOUND_MAIL)


class Migration(migrations.Migration):
    dependencies = [
        ("inbound", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
