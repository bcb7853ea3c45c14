"""Business calendars for China, Europe and the Americas with their public holidays, and the
15-minute "update every" target for P0."""

from django.db import migrations
from django.utils import timezone

CALENDARS = [
    # name, time zone, opens, closes, country, region
    ("China (Mon–Fri 09:00–18:00, Asia/Shanghai)", "Asia/Shanghai", "09:00", "18:00", "CN", ""),
    ("Europe (Mon–Fri 09:00–17:00, Europe/Berlin)", "Europe/Berlin", "09:00", "17:00", "DE", "BE"),
    (
        "Americas (Mon–Fri 09:00–17:00, America/New_York)",
        "America/New_York",
        "09:00",
        "17:00",
        "US",
        "NY",
    ),
]


def seed(apps, schema_editor):
    from support.tickets.calendars import load_public_holidays

    BusinessCalendar = apps.get_model("tickets", "BusinessCalendar")
    Holiday = apps.get_model("tickets", "Holiday")
    Team = apps.get_model("tickets", "Team")
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    year = timezone.now().year
    china = None
    for name, zone, opens, closes, country, region in CALENDARS:
        calendar, _ = BusinessCalendar.objects.get_or_create(
            name=name,
            defaults={
                "time_zone": zone,
                "opens_at": opens,
                "closes_at": closes,
                "country": country,
                "subdivision": region,
            },
        )
        load_public_holidays(calendar, [year, year + 1], holiday_model=Holiday)
        china = china or calendar
    Team.objects.filter(calendar__isnull=True).update(calendar=china)
    SlaPolicy.objects.filter(priority="P0", update_minutes__isnull=True).update(update_minutes=15)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0011_calendars_update_clock")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
