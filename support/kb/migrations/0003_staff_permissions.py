from django.db import migrations

from accounts.staff_groups import AGENTS, ENGINEERS, grant

EDIT_ARTICLES = [
    f"kb.{action}_{model}"
    for model in ("article", "articletranslation", "tag", "category", "revision")
    for action in ("view", "add", "change")
] + ["kb.view_vote", "kb.view_searchquery"]


def grant_kb(apps, schema_editor):
    grant(apps, AGENTS, EDIT_ARTICLES)
    grant(apps, ENGINEERS, EDIT_ARTICLES)


class Migration(migrations.Migration):
    dependencies = [("kb", "0002_search_indexes"), ("accounts", "0002_staff_groups")]

    operations = [migrations.RunPython(grant_kb, migrations.RunPython.noop)]
