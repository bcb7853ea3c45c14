"""A rota for each team with the default escalation policy, and staff permissions."""

from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

EVERYONE = [
    "oncall.view_rota",
    "oncall.view_shift",
    "oncall.view_override",
    "oncall.add_override",
    "oncall.change_override",
    "oncall.view_escalationstep",
    "oncall.view_alert",
    "oncall.view_page",
    "oncall.view_delivery",
    "oncall.view_pagerprofile",
    "oncall.add_pagerprofile",
    "oncall.change_pagerprofile",
]
ENGINEER_EXTRA = [
    "oncall.change_rota",
    "oncall.add_shift",
    "oncall.change_shift",
    "oncall.delete_shift",
    "oncall.delete_override",
    "oncall.add_escalationstep",
    "oncall.change_escalationstep",
    "oncall.delete_escalationstep",
]


def seed(apps, schema_editor):
    Team = apps.get_model("tickets", "Team")
    Rota = apps.get_model("oncall", "Rota")
    EscalationStep = apps.get_model("oncall", "EscalationStep")
    tier2 = Team.objects.filter(tier=2).order_by("pk").first()
    for team in Team.objects.all():
        rota, created = Rota.objects.get_or_create(
            team=team, defaults={"pages_for_alerts": team == tier2}
        )
        if not created:
            continue
        EscalationStep.objects.create(rota=rota, position=1, kind="secondary")
        if tier2 and team != tier2:
            EscalationStep.objects.create(rota=rota, position=2, kind="team", team=tier2)
        EscalationStep.objects.create(rota=rota, position=3, kind="account_manager")
    grant(apps, AGENTS, EVERYONE)
    grant(apps, ENGINEERS, EVERYONE + ENGINEER_EXTRA)


class Migration(migrations.Migration):
    dependencies = [
        ("oncall", "0001_initial"),
        ("tickets", "0012_regional_calendars"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
