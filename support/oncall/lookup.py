"""Who is on call for a team, from the rota in the database (the arithmetic is in rota.py)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import rota
from .models import Rota

WEEK = timedelta(days=7)


def load_rotas(teams=None, until=None):
    """Rotas with their shifts and the overrides that haven't ended, in three queries."""
    rotas = Rota.objects.select_related("team").prefetch_related("shifts", "overrides")
    if teams is not None:
        rotas = rotas.filter(team__in=teams)
    return list(rotas)


def _pattern(rota_row, now):
    shifts = [shift.as_shift() for shift in rota_row.shifts.all()]
    overrides = [o.as_override() for o in rota_row.overrides.all() if o.ends_at > now - WEEK]
    return shifts, overrides


def on_call_id(rota_row, now=None, role=rota.PRIMARY):
    now = now or timezone.now()
    shifts, overrides = _pattern(rota_row, now)
    return rota.on_call(now, shifts, overrides, role)


def on_call(team, now=None, role=rota.PRIMARY):
    """The staff member on call for `team` at `now` (None: no rota or nobody)."""
    if team is None:
        return None
    rota_row = next(iter(load_rotas([team])), None)
    if rota_row is None:
        return None
    person_id = on_call_id(rota_row, now, role)
    if person_id is None:
        return None
    return get_user_model().objects.filter(pk=person_id, is_active=True).first()


def week_ahead(rotas, now=None, days=7):
    """For each rota: (rota, on call now, secondary now, primary stints, secondary stints)."""
    now = now or timezone.now()
    end = now + timedelta(days=days)
    rows, ids = [], set()
    for rota_row in rotas:
        shifts, overrides = _pattern(rota_row, now)
        primary = rota.timeline(now, end, shifts, overrides)
        secondary = rota.timeline(now, end, shifts, overrides, rota.SECONDARY)
        ids.update(stint.person for stint in primary + secondary)
        rows.append((rota_row, primary, secondary))
    people = get_user_model().objects.in_bulk([pk for pk in ids if pk is not None])
    result = []
    for rota_row, primary, secondary in rows:
        named = [
            [rota.Stint(people.get(s.person), s.starts_at, s.ends_at) for s in stints]
            for stints in (primary, secondary)
        ]
        result.append(
            {
                "rota": rota_row,
                "now": named[0][0].person if named[0] else None,
                "secondary_now": named[1][0].person if named[1] else None,
                "primary": named[0],
                "secondary": [s for s in named[1] if s.person],
            }
        )
    return result


ON_DUTY_CACHE_KEY = "oncall:on-duty"


def on_duty_panel(now=None):
    """Context for the back-office dashboard's "who is on duty" panel (template
    admin/oncall/_on_duty.html): each team's person now and the next hand-over.

    The rotas are cached for a minute (and forgotten whenever a rota, shift or override
    changes), so the dashboard pays one query for the count of open pages."""
    from django.core.cache import cache

    from .models import Alert

    rows = cache.get(ON_DUTY_CACHE_KEY)
    if rows is None:
        rows = week_ahead(load_rotas(), now, days=1)
        cache.set(ON_DUTY_CACHE_KEY, rows, 60)
    return {"on_duty": rows, "open_pages": Alert.objects.open().count()}


def forget_on_duty():
    from django.core.cache import cache

    cache.delete(ON_DUTY_CACHE_KEY)
