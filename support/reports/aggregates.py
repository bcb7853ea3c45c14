"""SQL building blocks for the reports: attainment counts, durations and percentiles.

Medians and 90th percentiles use PostgreSQL's percentile_cont. SQLite (the development
database of `make run`) has no such aggregate: there the same figures are computed from
the durations the database returns, so the pages still work; the tests and production
run on PostgreSQL.
"""

import math

from django.db import connection, connections
from django.db.models import Aggregate, Case, Count, F, FloatField, Func, IntegerField, Q, Sum, When
from django.db.models import Value as V
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


def attainment_by_sets(tickets, sets, labels=None, edges=None):
    """attainment_counts() of `tickets` for each grouping set, in one query.

    `sets` is {name: (field, …)} (ticket fields or lookups through relations, as for
    values()). `labels` {foreign key: (field of the related row, …)} adds those fields
    ("team__name") to the rows grouped by that foreign key. With `edges` (ascending
    instants) the tickets are also cut into slices, slice i holding those created in
    [edges[i], edges[i + 1]), and each row has its "slice". Returns {name: [row]}, each row
    like those of values(*fields, *labels).annotate(**attainment_counts()).

    On PostgreSQL this is one pass over the tickets with GROUPING SETS, hashed: each slice
    is counted on its own (LATERAL, a range of the created_at index) and the groups are ids
    and short codes, the labels joined afterwards. Grouping by an expression of created_at
    or by names would make the planner expect thousands of groups and sort a year of
    tickets instead.
    """
    labels = labels or {}
    if edges:
        tickets = tickets.filter(created_at__gte=edges[0], created_at__lt=edges[-1])
    if connections[tickets.db].vendor != "postgresql":
        return _attainment_by_sets_one_by_one(tickets, sets, labels, edges)
    quote = connections[tickets.db].ops.quote_name
    fields = list(dict.fromkeys(field for names in sets.values() for field in names))
    alias = {field: f"g{index}" for index, field in enumerate(fields)}
    measured = {
        "o_first_response": "first_response_outcome",
        "o_resolution": "resolution_outcome",
        "o_update_met": "updates_on_time",
        "o_update_breached": "updates_missed",
    }
    inner = tickets.order_by().annotate(
        o_created=F("created_at"),
        **{alias[field]: F(field) for field in fields},
        **{name: F(field) for name, field in measured.items()},
    )
    inner = inner.values("o_created", *alias.values(), *measured)
    inner_sql, inner_params = inner.query.sql_with_params()
    counts, params = ["COUNT(*)"], []
    names = ["tickets"]
    for name, _label in sla_targets():
        if name == "update":
            counts += [
                f"COALESCE(SUM(t.o_{name}_met), 0)",
                f"COALESCE(SUM(t.o_{name}_breached), 0)",
            ]
        else:
            counts += [f"COUNT(*) FILTER (WHERE t.o_{name} = %s)"] * 2
            params += [MET, BREACHED]
        names += [f"{name}_met", f"{name}_breached"]
    columns = [f"t.{alias[field]}" for field in fields]
    grouping = ", ".join(
        "(" + ", ".join(f"t.{alias[field]}" for field in names_of_set) + ")"
        for names_of_set in sets.values()
    )
    mask = f"GROUPING({', '.join(columns)})" if columns else "0"
    within = " WHERE t.o_created >= s.starts AND t.o_created < s.stops" if edges else ""
    grouped = (
        f"SELECT {mask} AS mask, "
        + "".join(f"{column}, " for column in columns)
        + ", ".join(f"{count} AS c{index}" for index, count in enumerate(counts))
        + f" FROM ({inner_sql}) AS t{within} GROUP BY GROUPING SETS ({grouping})"
    )
    params += inner_params
    if edges:
        # Each slice is counted on its own (a range of the created_at index), so no estimate
        # of how many slices the tickets fall into is needed.
        grouped = (
            "SELECT s.n, x.* FROM unnest(%s::timestamptz[], %s::timestamptz[])"
            f" WITH ORDINALITY AS s(starts, stops, n) CROSS JOIN LATERAL ({grouped}) AS x"
        )
        params = [list(edges[:-1]), list(edges[1:]), *params]
    else:
        grouped = f"SELECT 0 AS n, x.* FROM ({grouped}) AS x"
    label_columns, joins, label_names = [], [], []
    for index, (field, related_fields) in enumerate(labels.items()):
        model = Ticket._meta.get_field(field).related_model
        table = f"l{index}"
        joins.append(
            f" LEFT JOIN {quote(model._meta.db_table)} AS {table}"
            f" ON {table}.{quote(model._meta.pk.column)} = g.{alias[field]}"
        )
        for related in related_fields:
            label_columns.append(f", {table}.{quote(model._meta.get_field(related).column)}")
            label_names.append((field, f"{field}__{related}"))
    selected = [f"g.{alias[field]}" for field in fields] + [f"g.c{i}" for i in range(len(counts))]
    sql = (
        f"SELECT g.n, g.mask, {', '.join(selected)}{''.join(label_columns)}"
        f" FROM ({grouped}) AS g{''.join(joins)}"
    )
    bit = {field: 1 << (len(fields) - 1 - index) for index, field in enumerate(fields)}
    set_of_mask = {
        sum(bit[field] for field in fields if field not in wanted): name
        for name, wanted in sets.items()
    }
    result = {name: [] for name in sets}
    with connections[tickets.db].cursor() as cursor:
        cursor.execute(sql, params)
        for number, mask, *values in cursor.fetchall():
            name = set_of_mask[mask if fields else 0]
            wanted = sets[name]
            if edges and not wanted and not values[len(fields)]:
                continue  # a slice without tickets: no row, as GROUP BY slice gives none
            row = {"slice": number - 1} if edges else {}
            row.update((field, values[i]) for i, field in enumerate(fields) if field in wanted)
            row.update(zip(names, values[len(fields) : len(fields) + len(counts)], strict=True))
            found = values[len(fields) + len(counts) :]
            row.update(
                (label, value)
                for (field, label), value in zip(label_names, found, strict=True)
                if field in wanted
            )
            result[name].append(row)
    return result


def _attainment_by_sets_one_by_one(tickets, sets, labels, edges):
    """attainment_by_sets() with one query per set (databases without GROUPING SETS)."""
    tickets = tickets.order_by()
    sliced = []
    if edges:
        slice_of = Case(
            *[When(created_at__lt=edge, then=V(index)) for index, edge in enumerate(edges[1:])],
            output_field=IntegerField(),
        )
        tickets, sliced = tickets.annotate(slice=slice_of), ["slice"]
    result = {}
    for name, fields in sets.items():
        named = [f"{field}__{related}" for field in fields for related in labels.get(field, ())]
        grouped = sliced + list(fields) + named
        if grouped:
            rows = list(tickets.values(*grouped).annotate(**attainment_counts()))
        else:
            rows = [tickets.aggregate(**attainment_counts())]
        result[name] = rows
    return result


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
    """Minutes from the first expression to the second (a timestamp difference).

    date_part() works in double precision; EXTRACT() would compute a numeric first, which
    costs twice as much over a year of tickets and gives the same figures to far more
    decimals than a report shows.
    """

    arg_joiner = " - "
    template = "(DATE_PART('epoch', %(expressions)s) / 60.0)"
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
