"""The SLA credit contracts of the three tiers; staff change them in the back office."""

from decimal import Decimal

from django.db import migrations

from accounts.staff_groups import ENGINEERS, grant

# tier: (commitment, [(uptime below, credit)])
CONTRACTS = {
    "enterprise": ("99.95", [("99.95", "10"), ("99.5", "25"), ("99", "50")]),
    "business": ("99.9", [("99.9", "10"), ("99", "25"), ("95", "50")]),
    "standard": ("99.5", [("99.5", "10"), ("99", "25")]),
}


def seed(apps, schema_editor):
    CreditContract = apps.get_model("reports", "CreditContract")
    CreditStep = apps.get_model("reports", "CreditStep")
    for tier, (commitment, steps) in CONTRACTS.items():
        contract, created = CreditContract.objects.get_or_create(
            tier=tier, defaults={"uptime_commitment": Decimal(commitment)}
        )
        if created:
            for below, credit in steps:
                CreditStep.objects.create(
                    contract=contract, uptime_below=Decimal(below), credit=Decimal(credit)
                )
    grant(
        apps,
        ENGINEERS,
        [
            "reports.view_creditcontract",
            "reports.change_creditcontract",
            "reports.add_creditstep",
            "reports.change_creditstep",
            "reports.delete_creditstep",
            "reports.view_creditstep",
        ],
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
