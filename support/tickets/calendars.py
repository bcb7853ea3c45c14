"""Public holidays and make-up working days for business calendars, from `holidays`.

The `holidays` package lists each country's public holidays and, for China, the
weekend days worked to make up for a long holiday (调休). Loading a year again
replaces only what the package gave before; days staff entered by hand stay.
"""

import holidays as holiday_data
from django.db import transaction


def public_days(country, subdivision, years):
    """[(date, name, is_working_day)] for the years, sorted by date."""
    data = holiday_data.country_holidays(country, subdiv=subdivision or None, years=years)
    days = {day: (str(name), False) for day, name in data.items()}
    for day in getattr(data, "weekend_workdays", ()):
        if day.year in years:
            days[day] = ("Make-up working day", True)
    return sorted((day, name, working) for day, (name, working) in days.items())


def load_public_holidays(calendar, years, holiday_model=None):
    """Replace the calendar's package-made days for `years`; returns how many were loaded."""
    from .models import Holiday

    model = holiday_model or Holiday
    if not calendar.country:
        return 0
    years = sorted(set(years))
    days = public_days(calendar.country, calendar.subdivision, years)
    with transaction.atomic():
        existing = model.objects.filter(calendar=calendar, date__year__in=years)
        existing.filter(source="package").delete()
        manual = set(existing.values_list("date", flat=True))
        model.objects.bulk_create(
            model(
                calendar=calendar,
                date=day,
                name=name[:100],
                is_working_day=working,
                source="package",
            )
            for day, name, working in days
            if day not in manual
        )
    if model is Holiday:
        from .cache import ticket_setup

        ticket_setup.invalidate()  # bulk writes send no signals
    return sum(1 for day, _name, _working in days if day not in manual)


def refresh_public_holidays(now=None):
    """Daily job: this year's and next year's days for every calendar with a country, so a
    newer `holidays` release (next year's make-up days) reaches the calendars by itself."""
    from django.utils import timezone

    from .models import BusinessCalendar

    year = (now or timezone.now()).year
    return sum(
        load_public_holidays(calendar, [year, year + 1])
        for calendar in BusinessCalendar.objects.exclude(country="")
    )
