from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

AGENT_PERMISSIONS = [
    "status.view_component",
    "status.view_componentgroup",
    "status.view_incident",
    "status.add_incident",
    "status.change_incident",
    "status.view_incidentupdate",
    "status.change_incidentupdate",
    "status.view_incidenttemplate",
]
ENGINEER_PERMISSIONS = AGENT_PERMISSIONS + [
    "status.change_component",
    "status.add_incidenttemplate",
    "status.change_incidenttemplate",
    "status.view_subscriber",
]


def grant_permissions(apps, schema_editor):
    grant(apps, AGENTS, AGENT_PERMISSIONS)
    grant(apps, ENGINEERS, ENGINEER_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("status", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
