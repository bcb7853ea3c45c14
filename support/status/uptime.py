"""Uptime per component per day, computed from incidents (a pure function: no database).

Like Statuspage, an incident counts against uptime by its impact: a critical one
(a major outage) fully, a major one (a partial outage) at 30%, a minor one (degraded
performance) and maintenance not at all. When incidents overlap, the worst one counts,
never the sum, so two overlapping outages are not counted twice.
"""

import datetime
from dataclasses import dataclass, field

from .models import IMPACT_RANK

DOWNTIME_WEIGHT = {"critical": 1.0, "major": 0.3, "minor": 0.0, "none": 0.0, "maintenance": 0.0}


@dataclass(frozen=True)
class Outage:
    start: datetime.datetime
    end: datetime.datetime | None  # None while it is still going on
    impact: str
    incident: object = None


@dataclass
class Day:
    date: datetime.date
    uptime: float | None  # percentage, None when there is no data (future, before creation)
    impact: str = "none"  # worst impact of the day, for the bar's colour
    incidents: list = field(default_factory=list)
    downtime: datetime.timedelta = datetime.timedelta(0)


def uptime_for_period(outages, start, end):
    """Return (uptime percentage, weighted downtime) over [start, end)."""
    length = (end - start).total_seconds()
    if length <= 0:
        return None, datetime.timedelta(0)
    pieces = []
    for outage in outages:
        weight = DOWNTIME_WEIGHT.get(outage.impact, 0.0)
        outage_end = outage.end or end
        clipped_start, clipped_end = max(outage.start, start), min(outage_end, end)
        if weight and clipped_start < clipped_end:
            pieces.append((clipped_start, clipped_end, weight))
    boundaries = sorted({start, end, *(p[0] for p in pieces), *(p[1] for p in pieces)})
    down = 0.0
    for left, right in zip(boundaries, boundaries[1:], strict=False):
        weight = max((w for s, e, w in pieces if s <= left and e >= right), default=0.0)
        down += weight * (right - left).total_seconds()
    return 100.0 * (1 - down / length), datetime.timedelta(seconds=down)


def day_bounds(date, zone):
    start = datetime.datetime.combine(date, datetime.time.min, tzinfo=zone)
    return start, start + datetime.timedelta(days=1)


def daily_uptime(outages, last_day, days, zone, now, since=None):
    """One Day per calendar day (in `zone`) ending with last_day, oldest first.

    Today is measured up to `now`; days before `since` (when the component appeared)
    and days in the future have no data.
    """
    result = []
    for offset in range(days - 1, -1, -1):
        date = last_day - datetime.timedelta(days=offset)
        start, end = day_bounds(date, zone)
        end = min(end, now)
        if since is not None and since >= end or start >= now:
            result.append(Day(date=date, uptime=None))
            continue
        if since is not None:
            start = max(start, since)
        touching = [o for o in outages if o.start < end and (o.end is None or o.end > start)]
        uptime, downtime = uptime_for_period(touching, start, end)
        impact = max((o.impact for o in touching), key=IMPACT_RANK.__getitem__, default="none")
        incidents = []
        for outage in touching:
            if outage.incident is not None and outage.incident not in incidents:
                incidents.append(outage.incident)
        result.append(Day(date, uptime, impact, incidents, downtime))
    return result


def overall_uptime(days):
    """Average of the days with data, as a percentage (None when no day has data)."""
    known = [day.uptime for day in days if day.uptime is not None]
    return sum(known) / len(known) if known else None
