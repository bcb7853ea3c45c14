"""The staff groups and what they may do in the back office.

Data migrations call `grant` so that each app adds the permissions its staff
need: Support agents (tier 1) work tickets; Support engineers (tier 2) also
handle escalations and look after customer records.
"""

from django.contrib.auth.management import create_permissions

AGENTS = "Support agents"
ENGINEERS = "Support engineers"


def grant(apps, group_name, permissions):
    """Give a group permissions named "app_label.codename", creating both when missing."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=group_name)
    for name in permissions:
        app_label, codename = name.split(".")
        group.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
