from django_q.models import Schedule


def ensure_schedule(func, minutes, name=None):
    """Create or update a django-q2 schedule that runs `func` every `minutes` minutes."""
    Schedule.objects.update_or_create(
        name=name or func,
        defaults={
            "func": func,
            "schedule_type": Schedule.MINUTES,
            "minutes": minutes,
            "repeats": -1,
        },
    )
