"""SQL building blocks for the reports: attainment counts, durations and percentiles.

Medians and 90th percentiles use PostgreSQL's percentile_cont. SQLite (the development
database of `make run`) has no such aggregate: there the same figures are computed from
the durations the database returns, so the pages still work; the tests and production
run on PostgreSQL.
"""

import math

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, Sum
from django.db.models.functions import Cast, Coalesce

from support.tickets.models import Ticket

MET, BREACHED = Ticket.Outcome.MET, Ticket.Outcome.BREACHED


def sla_targets():
    """(name, label) of each SLA target the reports measure.

    The "update every" target of the on-call work counts each update on time or missed
    (Ticket.updates_on_time / updates_missed); it joins as soon as tickets have them.
    """
    from django.utils.translation import gettext_lazy as _

    targets = [("first_response", _("First response")), ("resolution", _("Resolution"))]
    if has_update_target():
        targets.insert(1, ("update", _("Updates")))
    return targets


def has_update_target():
    field_names = {field.name for field in Ticket._meta.get_fields()}
    return {"updates_on_time", "updates_missed"} <= field_names


def attainment_counts(prefix=""):
    """met/breached counts of every target, as aggregates over tickets (or a relation).

    First response and resolution count tickets by outcome; updates count every update.
    """
    counts = {"tickets": Count(f"{prefix}pk")}
    for name, _label in sla_targets():
        if name == "update":
            counts["update_met"] = Coalesce(Sum(f"{prefix}updates_on_time"), 0)
            counts["update_breached"] = Coalesce(Sum(f"{prefix}updates_missed"), 0)
            continue
        field = f"{prefix}{name}_outcome"
        counts[f"{name}_met"] = Count(f"{prefix}pk", filter=Q(**{field: MET}))
        counts[f"{name}_breached"] = Count(f"{prefix}pk", filter=Q(**{field: BREACHED}))
    return counts


def breached_lookup(name):
    """Admin ticket-list lookups for the tickets that missed a target."""
    if name == "update":
        return {"updates_missed__gt": 0}
    return {f"{name}_outcome__exact": BREACHED}


def percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def with_attainment(row):
    """Add <target>_pct (met among decided) to a row of attainment_counts()."""
    row = dict(row)
    for name, _label in sla_targets():
        met, breached = row.get(f"{name}_met", 0), row.get(f"{name}_breached", 0)
        row[f"{name}_pct"] = percent(met, met + breached)
    return row


class Minutes(Func):
    """Minutes from the first expression to the second (a timestamp difference)."""

    arg_joiner = " - "
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / 60.0)"
    output_field = FloatField()

    def __init__(self, start, end):
        super().__init__(end, start)

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 1440.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class Percentile(Aggregate):
    """percentile_cont(fraction) WITHIN GROUP (ORDER BY expression), PostgreSQL only."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


DURATIONS = {
    # name: (calendar minutes, business minutes, the timestamp that ends it)
    "first_response": (
        lambda: Minutes("created_at", "first_response_at"),
        "first_response_business_minutes",
        "first_response_at",
    ),
    "resolution": (
        lambda: Minutes("created_at", "resolved_at"),
        "resolution_business_minutes",
        "resolved_at",
    ),
}
FRACTIONS = {"median": 0.5, "p90": 0.9}


def duration_percentiles(tickets):
    """Median and 90th percentile of first-response and resolution times, calendar and
    business minutes: {"first_response": {"median": …, "p90": …, "median_business": …}}."""
    if connection.vendor == "postgresql":
        aggregates = {}
        for name, (calendar, business, _end) in DURATIONS.items():
            for label, fraction in FRACTIONS.items():
                aggregates[f"{name}__{label}"] = Percentile(calendar(), fraction)
                aggregates[f"{name}__{label}_business"] = Percentile(
                    Cast(F(business), FloatField()), fraction
                )
            aggregates[f"{name}__count"] = Count("pk", filter=Q(**{f"{_end}__isnull": False}))
        row = tickets.aggregate(**aggregates)
    else:
        row = _percentiles_in_python(tickets)
    result = {}
    for key, value in row.items():
        name, label = key.split("__")
        result.setdefault(name, {})[label] = value
    return result


def _percentiles_in_python(tickets):
    row = {}
    for name, (calendar, business, end) in DURATIONS.items():
        values = tickets.filter(**{f"{end}__isnull": False}).annotate(calendar_minutes=calendar())
        calendar_values = sorted(values.values_list("calendar_minutes", flat=True))
        business_values = sorted(
            value for value in values.values_list(business, flat=True) if value is not None
        )
        for label, fraction in FRACTIONS.items():
            row[f"{name}__{label}"] = percentile_cont(calendar_values, fraction)
            row[f"{name}__{label}_business"] = percentile_cont(business_values, fraction)
        row[f"{name}__count"] = len(calendar_values)
    return row


def percentile_cont(ordered, fraction):
    """The same interpolation as SQL's percentile_cont over a sorted list (None if empty)."""
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
