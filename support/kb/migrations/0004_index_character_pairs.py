"""Index Chinese text as overlapping character pairs too (support.kb.search)."""

from django.contrib.postgres.search import SearchVector
from django.db import migrations
from django.db.models import F, Func, TextField, Value

from support.kb.search import CONFIGS, character_pairs


def without_tags(field):
    return Func(
        F(field), Value("[<>]"), Value(" "), Value("g"), function="regexp_replace",
        output_field=TextField(),
    )


def reindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    ArticleTranslation = apps.get_model("kb", "ArticleTranslation")
    rows = ArticleTranslation.objects.values_list("pk", "language", "title", "summary", "body")
    for pk, language, title, summary, body in rows.iterator():
        config = CONFIGS.get(language, "simple")
        ArticleTranslation.objects.filter(pk=pk).update(
            search_vector=SearchVector(Value(character_pairs(title)), weight="A", config="simple")
            + SearchVector(Value(character_pairs(f"{summary}\n{body}")), weight="B", config="simple")
            + SearchVector(without_tags("title"), weight="A", config=config)
            + SearchVector(without_tags("summary"), weight="B", config=config)
            + SearchVector(without_tags("body"), weight="B", config=config)
        )


class Migration(migrations.Migration):
    dependencies = [("kb", "0003_staff_permissions")]

    operations = [migrations.RunPython(reindex, migrations.RunPython.noop)]
