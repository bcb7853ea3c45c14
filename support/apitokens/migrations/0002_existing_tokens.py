"""Move Alertmanager and inbound-email tokens into ApiToken, keeping their hashes: every
token already handed out goes on working."""

from django.db import migrations


def move_tokens(apps, schema_editor):
    ApiToken = apps.get_model("apitokens", "ApiToken")
    AlertmanagerToken = apps.get_model("status", "AlertmanagerToken")
    InboundToken = apps.get_model("inbound", "InboundToken")
    for old in AlertmanagerToken.objects.all():
        ApiToken.objects.create(
            name=old.name,
            token_hash=old.token_hash,
            hint="am_",
            scopes=["alertmanager:publish" if old.publish else "alertmanager"],
            created_at=old.created_at,
            last_used_at=old.last_used_at,
            revoked_at=old.revoked_at,
        )
    for old in InboundToken.objects.all():
        ApiToken.objects.create(
            name=old.name,
            token_hash=old.token_hash,
            hint=old.hint,
            scopes=["inbound:email"],
            created_at=old.created_at,
            last_used_at=old.last_used_at,
            revoked_at=None if old.active else old.last_used_at or old.created_at,
        )


def move_back(apps, schema_editor):
    ApiToken = apps.get_model("apitokens", "ApiToken")
    AlertmanagerToken = apps.get_model("status", "AlertmanagerToken")
    InboundToken = apps.get_model("inbound", "InboundToken")
    for token in ApiToken.objects.filter(organization__isnull=True):
        if "inbound:email" in token.scopes:
            InboundToken.objects.create(
                name=token.name,
                token_hash=token.token_hash,
                hint=token.hint[:12],
                active=token.revoked_at is None,
                created_at=token.created_at,
                last_used_at=token.last_used_at,
            )
        elif {"alertmanager", "alertmanager:publish"} & set(token.scopes):
            AlertmanagerToken.objects.create(
                name=token.name,
                token_hash=token.token_hash,
                publish="alertmanager:publish" in token.scopes,
                created_at=token.created_at,
                last_used_at=token.last_used_at,
                revoked_at=token.revoked_at,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("apitokens", "0001_initial"),
        ("status", "0002_staff_permissions"),
        ("inbound", "0003_triage"),
    ]

    operations = [migrations.RunPython(move_tokens, move_back)]
