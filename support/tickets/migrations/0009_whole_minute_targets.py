"""SLA targets in whole minutes: the seed halved 15 minutes to 7.5 for enterprise P0.

Any target with a fraction of a minute is rounded up (a promise is never made shorter).
"""

import math

from django.db import migrations


def round_up(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for policy in SlaPolicy.objects.all():
        changed = []
        for field in ("first_response_minutes", "resolution_minutes"):
            value = getattr(policy, field)
            if value is not None and value != int(value):
                setattr(policy, field, math.ceil(value))
                changed.append(field)
        if changed:
            policy.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_ticket_business_minutes")]

    operations = [migrations.RunPython(round_up, migrations.RunPython.noop)]
