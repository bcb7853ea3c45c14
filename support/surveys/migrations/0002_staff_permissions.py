"""Support agents may look at survey answers and results; Support engineers also work follow-ups."""

from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

VIEW = [
    "surveys.view_csatsurvey",
    "surveys.view_csatresponse",
    "surveys.view_npscampaign",
    "surveys.view_npsinvitation",
    "surveys.view_npsresponse",
    "surveys.view_followup",
    "surveys.view_surveyresults",
]


def grant_permissions(apps, schema_editor):
    grant(apps, AGENTS, VIEW)
    grant(apps, ENGINEERS, [*VIEW, "surveys.change_followup"])


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("accounts", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
