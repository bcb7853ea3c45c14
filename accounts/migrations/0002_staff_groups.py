from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

CUSTOMER_RECORDS = [
    "accounts.view_user",
    "accounts.view_organization",
    "accounts.view_membership",
    "accounts.view_service",
]


def create_groups(apps, schema_editor):
    grant(apps, AGENTS, CUSTOMER_RECORDS)
    grant(
        apps,
        ENGINEERS,
        CUSTOMER_RECORDS
        + [
            "accounts.change_organization",
            "accounts.add_service",
            "accounts.change_service",
            "accounts.change_membership",
        ],
    )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[AGENTS, ENGINEERS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
