"""The staff reports: every figure aggregated in the database, a fixed number of queries
whatever the number of tickets.

Tickets belong to a period by when they were opened (SLA attainment, durations,
breakdowns); "solved per day" and the backlog go by when tickets were solved.
"""

from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce, Lower, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Service
from portal import charts
from support.kb.models import Article, SearchQuery
from support.kb.models import Category as KbCategory
from support.tickets.models import Message, Ticket, TimelineEvent

from . import problems
from .aggregates import (
    attainment_by_sets,
    attainment_counts,
    breached_lookup,
    duration_percentiles,
    percent,
    sla_targets,
    with_attainment,
)
from .periods import aware
from .tables import Column, Table

BAR, COLUMNS = "includes/charts/bar.html", "includes/charts/columns.html"


def sections(tables, charts_by_id):
    """[{table, chart, template}] for the page, a chart under the tables that have one."""
    result = []
    for table in tables:
        chart, template = charts_by_id.get(table.id, (None, ""))
        result.append({"table": table, "chart": chart, "template": template})
    return result


TREND_MONTHS = 12
TOP = 10


def category_name(row):
    """The ticket category's name in the reader's language, from a values() row."""
    if get_language() == "zh-hans" and row.get("category__name_zh_hans"):
        return row["category__name_zh_hans"]
    return row.get("category__name")


def server_zone():
    return timezone.get_default_timezone()


def summed(rows, fields):
    """Rows with the same values of `fields` added up (their attainment counts), ordered by
    those values as SQL's ORDER BY would (nulls last)."""
    counts = list(attainment_counts())
    merged = {}
    for row in rows:
        key = tuple(row[field] for field in fields)
        total = merged.setdefault(
            key, dict(zip(fields, key, strict=True)) | dict.fromkeys(counts, 0)
        )
        for name in counts:
            total[name] += row[name]
    return [
        merged[key]
        for key in sorted(merged, key=lambda key: [(value is None, value) for value in key])
    ]


def attainment_columns():
    columns = [Column("tickets", _("Tickets"))]
    for name, label in sla_targets():
        columns += [
            Column(f"{name}_met", gettext("%(target)s met") % {"target": label}),
            Column(f"{name}_breached", gettext("%(target)s breached") % {"target": label}),
            Column(
                f"{name}_pct", gettext("%(target)s attainment %%") % {"target": label}, "percent"
            ),
        ]
    return columns


class Report:
    """Shared by the staff reports: the scope, filters and period, and the ticket sets."""

    slug = ""
    title = ""

    def __init__(self, scope, filters):
        self.scope = scope
        self.filters = filters
        self.period = filters.period

    def all_tickets(self):
        return self.filters.apply(self.scope.tickets())

    def opened(self, period=None):
        period = period or self.period
        return self.all_tickets().filter(
            created_at__gte=period.starts_at, created_at__lt=period.stops_at
        )

    def admin_tickets_link(self, **lookups):
        """The admin ticket list showing these tickets (opened in the period, filtered)."""
        query = {
            "created_at__gte": self.period.starts_at.isoformat(),
            "created_at__lt": self.period.stops_at.isoformat(),
        }
        for name, lookup in (
            ("tier", "organization__tier__exact"),
            ("priority", "priority__exact"),
            ("team", "team__id__exact"),
            ("category", "category__id__exact"),
            ("organization", "organization__id__exact"),
        ):
            value = self.filters.active().get(name)
            if value:
                query[lookup] = value
        query.update(lookups)
        return reverse("admin:tickets_ticket_changelist") + "?" + urlencode(query)

    def tables(self):
        return []

    def context(self):
        return {}


# SLA attainment --------------------------------------------------------------------------------


class SlaReport(Report):
    slug = "sla"
    title = _("SLA attainment")

    # Grouped by ids and short codes (so PostgreSQL hashes the groups); the names come
    # with them, and rows with the same name are added up as grouping by the names would.
    BREAKDOWNS = {
        "total": (),
        "tier_priority": ("organization__tier", "priority"),
        "team": ("team",),
        "agent": ("assignee",),
        "category": ("category",),
    }
    LABELS = {
        "team": ("name",),
        "assignee": ("full_name", "email"),
        "category": ("name", "name_zh_hans"),
    }
    SUMMED_BY = {
        "team": ("team__name",),
        "agent": ("assignee", "assignee__full_name", "assignee__email"),
        "category": ("category__name", "category__name_zh_hans"),
    }

    @cached_property
    def counts(self):
        """Attainment counts of every breakdown in the period (one query) and of each
        month of the trend (another): {"period": {breakdown: [row]}, "months": [row]}.
        """
        found = attainment_by_sets(self.opened(), self.BREAKDOWNS, self.LABELS)
        result = {
            name: summed(found[name], self.SUMMED_BY.get(name, fields))
            for name, fields in self.BREAKDOWNS.items()
        }
        months = [aware(month) for month in self.period.trend_months(TREND_MONTHS)]
        edges = [*months, self.period.stops_at]
        per_month = {row["slice"]: row for row in self.trend_counts(edges)}
        return {
            "period": result,
            "months": [per_month.get(index, {"tickets": 0}) for index in range(len(months))],
        }

    def trend_counts(self, edges):
        return attainment_by_sets(self.all_tickets(), {"total": ()}, edges=edges)["total"]

    def by(self, name):
        return self.counts["period"][name]

    def totals(self):
        return with_attainment((self.by("total") or [{"tickets": 0}])[0])

    def tier_priority_table(self):
        tiers = dict(Organization.Tier.choices)
        rows = [
            {
                **with_attainment(row),
                "tier": str(tiers.get(row["organization__tier"], row["organization__tier"])),
                "priority": row["priority"],
            }
            for row in self.by("tier_priority")
        ]
        order = {value: index for index, value in enumerate(reversed(Organization.Tier.values))}
        rows.sort(key=lambda row: (order.get(_tier_value(row["tier"]), 9), row["priority"]))
        return Table(
            "tier-priority",
            gettext("By tier and priority"),
            [Column("tier", _("Tier"), "text"), Column("priority", _("Priority"), "text")]
            + attainment_columns(),
            rows,
        )

    def group_table(self, table_id, title, breakdown, label, empty):
        rows = []
        for row in self.by(breakdown):
            name = label(row) or empty
            rows.append({**with_attainment(row), "group": name})
        rows.sort(key=lambda row: (-row["tickets"], str(row["group"])))
        return Table(
            table_id,
            title,
            [Column("group", _("Group"), "text")] + attainment_columns(),
            rows,
        )

    def team_table(self):
        return self.group_table(
            "team",
            gettext("By team"),
            "team",
            lambda row: row["team__name"],
            gettext("No team"),
        )

    def agent_table(self):
        return self.group_table(
            "agent",
            gettext("By agent"),
            "agent",
            lambda row: row["assignee__full_name"] or row["assignee__email"],
            gettext("Unassigned"),
        )

    def category_table(self):
        return self.group_table(
            "category",
            gettext("By category"),
            "category",
            category_name,
            gettext("No category"),
        )

    def trend(self):
        months = self.period.trend_months(TREND_MONTHS)
        result = []
        for month, row in zip(months, self.counts["months"], strict=True):
            result.append(
                {**with_attainment(row), "month": date_format(month, "YEAR_MONTH_FORMAT")}
            )
        return Table(
            "trend",
            gettext("Last 12 months"),
            [Column("month", _("Month"), "text")] + attainment_columns(),
            result,
            note=gettext("Months up to the end of the period, whatever its length."),
        )

    def durations_table(self):
        figures = duration_percentiles(self.opened())
        names = {
            "first_response": gettext("First response"),
            "resolution": gettext("Resolution"),
        }
        rows = [
            {
                "measure": names[name],
                "count": values["count"],
                "median": values["median"],
                "p90": values["p90"],
                "median_business": values["median_business"],
                "p90_business": values["p90_business"],
            }
            for name, values in figures.items()
        ]
        return Table(
            "durations",
            gettext("Response and resolution times"),
            [
                Column("measure", _("Measure"), "text"),
                Column("count", _("Tickets")),
                Column("median", _("Median"), "minutes"),
                Column("p90", _("90th percentile"), "minutes"),
                Column("median_business", _("Median, business time"), "minutes"),
                Column("p90_business", _("90th percentile, business time"), "minutes"),
            ],
            rows,
            note=gettext(
                "Business time runs on each ticket's SLA clock: its business hours and "
                "holidays, or every hour for 24×7 targets."
            ),
        )

    def tables(self):
        return [
            self.durations_table(),
            self.tier_priority_table(),
            self.team_table(),
            self.agent_table(),
            self.category_table(),
            self.trend(),
        ]

    def context(self):
        totals = self.totals()
        tables = self.tables()
        trend = tables[-1]
        targets = sla_targets()
        breached_links = [
            {
                "label": label,
                "count": totals[f"{name}_breached"],
                "url": self.admin_tickets_link(**breached_lookup(name)),
            }
            for name, label in targets
        ]
        metrics = [
            {
                "id": f"metric-{name}",
                "label": gettext("%(target)s attainment") % {"target": label},
                "value": totals[f"{name}_pct"],
                "met": totals[f"{name}_met"],
                "decided": totals[f"{name}_met"] + totals[f"{name}_breached"],
            }
            for name, label in targets
        ]
        first = targets[0][0]
        chart = charts.column_chart(
            [row["month"] for row in trend.rows],
            [],
            line=(
                gettext("first response attainment %"),
                [row[f"{first}_pct"] for row in trend.rows],
                "attainment",
            ),
            maximum=100,
            chart_id="chart-trend",
            axis_label=gettext("Per cent met"),
            every=2,
        )
        charts_by_id = {
            table.id: (attainment_bar_chart(table, f"chart-{table.id}"), BAR)
            for table in tables
            if table.id in ("team", "category")
        }
        charts_by_id["trend"] = (chart, COLUMNS)
        return {
            "totals": totals,
            "metrics": metrics,
            "breached_links": breached_links,
            "sections": sections(tables, charts_by_id),
        }


def _tier_value(label):
    for value, text in Organization.Tier.choices:
        if str(text) == label:
            return value
    return label


def attainment_bar_chart(table, chart_id):
    name = sla_targets()[0][0]
    return charts.bar_chart(
        [(row["group"], row[f"{name}_pct"], row["tickets"]) for row in table.rows[:12]],
        minimum=0,
        maximum=100,
        ticks=[0, 25, 50, 75, 100],
        axis_label=gettext("First responses on time, in per cent"),
        chart_id=chart_id,
    )


# Volume and backlog ---------------------------------------------------------------------------


def done_at():
    """When a ticket stopped needing work: solved, or closed without being solved."""
    return Coalesce("solved_at", "closed_at")


class VolumeReport(Report):
    slug = "volume"
    title = _("Volume and backlog")

    def per_day(self):
        period, zone = self.period, server_zone()
        created = dict(
            self.opened()
            .annotate(day=TruncDate("created_at", tzinfo=zone))
            .values("day")
            .annotate(count=Count("pk"))
            .values_list("day", "count")
        )
        solved = dict(
            self.all_tickets()
            .annotate(done=done_at())
            .filter(done__gte=period.starts_at, done__lt=period.stops_at)
            .annotate(day=TruncDate("done", tzinfo=zone))
            .values("day")
            .annotate(count=Count("pk"))
            .values_list("day", "count")
        )
        start = period.starts_at
        before = self.all_tickets().aggregate(
            opened=Count("pk", filter=Q(created_at__lt=start)),
            done=Count(
                "pk",
                filter=Q(solved_at__lt=start) | Q(solved_at__isnull=True, closed_at__lt=start),
            ),
        )
        backlog = before["opened"] - before["done"]
        rows = []
        for day in period.each_day():
            opened, closed = created.get(day, 0), solved.get(day, 0)
            backlog += opened - closed
            rows.append(
                {
                    "day": date_format(day, "SHORT_DATE_FORMAT"),
                    "created": opened,
                    "solved": closed,
                    "backlog": backlog,
                }
            )
        return Table(
            "per-day",
            gettext("Per day"),
            [
                Column("day", _("Day"), "text"),
                Column("created", _("Created")),
                Column("solved", _("Solved")),
                Column("backlog", _("Backlog at the end of the day")),
            ],
            rows,
            note=gettext(
                "Backlog: tickets opened and not yet solved or closed at the end of the day."
            ),
        )

    def channel_table(self):
        channels = dict(Ticket.Channel.choices)
        rows = self.opened().values("channel").annotate(count=Count("pk")).order_by("-count")
        total = sum(row["count"] for row in rows)
        return Table(
            "channel",
            gettext("By channel"),
            [
                Column("channel", _("Channel"), "text"),
                Column("count", _("Tickets")),
                Column("share", _("Share %"), "percent"),
            ],
            [
                {
                    "channel": str(channels.get(row["channel"], row["channel"])),
                    "count": row["count"],
                    "share": percent(row["count"], total),
                }
                for row in rows
            ],
        )

    def reopen_table(self):
        period = self.period
        events = TimelineEvent.objects.filter(
            kind="status",
            ticket__created_at__gte=period.starts_at,
            ticket__created_at__lt=period.stops_at,
        )
        events = self.filters.apply(self.scope.restrict(events, "ticket__team"), "ticket__")
        figures = events.aggregate(
            solved=Count("ticket", distinct=True, filter=Q(data__new="solved")),
            reopened=Count(
                "ticket",
                distinct=True,
                filter=Q(data__old="solved", data__new__in=["open", "new"]),
            ),
        )
        return Table(
            "reopens",
            gettext("Reopened tickets"),
            [
                Column("solved", _("Solved at least once")),
                Column("reopened", _("Reopened after solving")),
                Column("rate", _("Reopen rate %"), "percent"),
            ],
            [{**figures, "rate": percent(figures["reopened"], figures["solved"])}],
            note=gettext("Tickets opened in the period."),
        )

    def tables(self):
        return [self.per_day(), self.channel_table(), self.reopen_table()]

    def context(self):
        tables = self.tables()
        per_day = tables[0]
        labels = [
            date_format(day, "j" if self.period.is_month else "n/j")
            for day in self.period.each_day()
        ]
        every = max(1, len(labels) // 15)
        chart = charts.column_chart(
            labels,
            [
                (gettext("created"), [row["created"] for row in per_day.rows], "created"),
                (gettext("solved"), [row["solved"] for row in per_day.rows], "solved"),
            ],
            line=(gettext("backlog"), [row["backlog"] for row in per_day.rows], "backlog"),
            chart_id="chart-per-day",
            axis_label=gettext("Tickets"),
            every=every,
        )
        totals = {
            "created": sum(row["created"] for row in per_day.rows),
            "solved": sum(row["solved"] for row in per_day.rows),
            "backlog": per_day.rows[-1]["backlog"] if per_day.rows else 0,
        }
        return {
            "sections": sections(tables, {"per-day": (chart, COLUMNS)}),
            "totals": totals,
            "reopen_rate": tables[2].rows[0]["rate"],
        }


# Frequent problems ----------------------------------------------------------------------------


class ProblemsReport(Report):
    slug = "problems"
    title = _("Frequent problems")

    def compared(self, labels):
        """Tickets of the period and of the previous one by `labels`, most first."""
        previous = self.period.previous()
        both = self.all_tickets().filter(
            created_at__gte=previous.starts_at, created_at__lt=self.period.stops_at
        )
        now = Q(created_at__gte=self.period.starts_at)
        return (
            both.values(*labels)
            .annotate(
                count=Count("pk", filter=now),
                previous=Count("pk", filter=~now),
            )
            .filter(Q(count__gt=0) | Q(previous__gt=0))
            .order_by("-count", "-previous", *labels)
        )

    @cached_property
    def categories(self):
        """compared() by category, with the slug (the knowledge-base gaps read the period's
        counts from it too): one query for both tables."""
        return list(self.compared(("category__name", "category__name_zh_hans", "category__slug")))

    def _compare(self, field, rows, table_id, title, label_title, empty):
        result = []
        for row in rows[:TOP]:
            result.append(
                {
                    "group": field(row) or empty,
                    "count": row["count"],
                    "previous": row["previous"],
                    "change": row["count"] - row["previous"],
                    "change_pct": percent(row["count"] - row["previous"], row["previous"]),
                }
            )
        return Table(
            table_id,
            title,
            [
                Column("group", label_title, "text"),
                Column("count", _("Tickets")),
                Column("previous", _("Previous period")),
                Column("change", _("Change")),
                Column("change_pct", _("Change %"), "percent"),
            ],
            result,
        )

    def category_table(self):
        # Categories of the same names count together, as grouping by the names did.
        merged = {}
        for row in self.categories:
            key = (row["category__name"], row["category__name_zh_hans"])
            if key in merged:
                merged[key]["count"] += row["count"]
                merged[key]["previous"] += row["previous"]
            else:
                merged[key] = dict(row)
        rows = sorted(merged.values(), key=lambda row: (-row["count"], -row["previous"]))
        return self._compare(
            category_name,
            rows,
            "categories",
            gettext("Top categories"),
            _("Category"),
            gettext("No category"),
        )

    def service_table(self):
        kinds = dict(Service.Kind.choices)
        return self._compare(
            lambda row: str(kinds.get(row["service__kind"], "")),
            self.compared(("service__kind",))[:TOP],
            "services",
            gettext("Top services"),
            _("Service type"),
            gettext("No service"),
        )

    def words_table(self):
        subjects = (
            self.opened()
            .values("category__name", "category__name_zh_hans", "subject")
            .annotate(count=Count("pk"))
            .order_by("-count")[: problems.SUBJECT_LIMIT]
        )
        subjects = [{**row, "category__name": category_name(row)} for row in subjects]
        rows = []
        for category, words in problems.frequent_words(subjects).items():
            rows.append(
                {
                    "category": category or gettext("No category"),
                    "words": " · ".join(f"{word} ({count})" for word, count in words),
                }
            )
        return Table(
            "words",
            gettext("Frequent words and phrases in subjects"),
            [Column("category", _("Category"), "text"), Column("words", _("Words"), "text")],
            rows,
            note=gettext("Chinese subjects are segmented into words with jieba."),
        )

    def kb_gaps_table(self):
        tickets, names = {}, {}
        for row in self.categories:
            if row["count"]:
                tickets[row["category__slug"]] = row["count"]
                names[row["category__slug"]] = category_name(row)
        kb = {
            row["ticket_category_slug"]: row
            for row in KbCategory.objects.exclude(ticket_category_slug="")
            .values("ticket_category_slug")
            .annotate(
                published=Count("articles", filter=Q(articles__status=Article.Status.PUBLISHED)),
                views=Coalesce(
                    Sum("articles__view_count"),
                    0,
                ),
                opens=Coalesce(Sum("articles__suggestion_opens"), 0),
                after=Coalesce(Sum("articles__tickets_after_suggestion"), 0),
            )
        }
        rows = []
        for slug, count in tickets.items():
            found = kb.get(slug, {})
            views = found.get("views", 0)
            deflections = max(found.get("opens", 0) - found.get("after", 0), 0)
            rows.append(
                {
                    "category": names.get(slug) or gettext("No category"),
                    "tickets": count,
                    "articles": found.get("published", 0),
                    "views": views,
                    "deflections": deflections,
                    "views_per_ticket": round(views / count, 1) if count else None,
                }
            )
        rows.sort(key=lambda row: (row["views_per_ticket"] or 0, -row["tickets"]))
        return Table(
            "kb-gaps",
            gettext("Knowledge-base gaps"),
            [
                Column("category", _("Category"), "text"),
                Column("tickets", _("Tickets")),
                Column("articles", _("Published articles")),
                Column("views", _("Article views")),
                Column("deflections", _("Deflections")),
                Column("views_per_ticket", _("Views per ticket"), "percent"),
            ],
            rows,
            note=gettext(
                "Fewest article views per ticket first. Views and deflections (articles "
                "opened from the ticket form without a ticket following) are counted since "
                "the articles were published."
            ),
        )

    def searches_table(self):
        rows = (
            SearchQuery.objects.filter(
                created_at__gte=self.period.starts_at,
                created_at__lt=self.period.stops_at,
                result_count=0,
            )
            .annotate(text=Lower("query"))
            .values("text")
            .annotate(count=Count("pk"))
            .order_by("-count", "text")[:TOP]
        )
        return Table(
            "searches",
            gettext("Top searches with no result"),
            [Column("query", _("Search"), "text"), Column("count", _("Searches"))],
            [{"query": row["text"], "count": row["count"]} for row in rows],
        )

    def tables(self):
        return [
            self.category_table(),
            self.service_table(),
            self.words_table(),
            self.kb_gaps_table(),
            self.searches_table(),
        ]

    def context(self):
        tables = self.tables()
        categories = tables[0]
        chart = charts.bar_chart(
            [(row["group"], row["count"], row["previous"]) for row in categories.rows],
            minimum=0,
            maximum=charts.nice_maximum(max((row["count"] for row in categories.rows), default=0)),
            ticks=[],
            axis_label=gettext("Tickets (previous period in brackets)"),
            chart_id="chart-categories",
            decimals=0,
            note=gettext("before: {}"),
        )
        return {
            "sections": sections(tables, {"categories": (chart, BAR)}),
            "previous": self.period.previous(),
        }


# Workload -------------------------------------------------------------------------------------


class AgentsReport(Report):
    slug = "agents"
    title = _("Workload")

    def table(self):
        from support.surveys.models import CsatResponse

        period = self.period
        staff = get_user_model().objects.filter(is_staff=True, is_active=True)
        if not self.scope.sees_all:
            staff = staff.filter(groups__team__in=self.scope.team_ids).distinct()
        people = {
            person.pk: person
            for person in staff.order_by("full_name", "email").only("full_name", "email")
        }
        open_now = dict(
            self.all_tickets()
            .filter(status__in=Ticket.ACTIVE_STATES, assignee__isnull=False)
            .values("assignee")
            .annotate(count=Count("pk"))
            .values_list("assignee", "count")
        )
        replies = dict(
            self.filters.apply(
                self.scope.restrict(Message.objects.all(), "ticket__team"), "ticket__"
            )
            .filter(
                internal=False,
                author__is_staff=True,
                created_at__gte=period.starts_at,
                created_at__lt=period.stops_at,
            )
            .values("author")
            .annotate(count=Count("pk"))
            .values_list("author", "count")
        )
        first = {
            row["assignee"]: row
            for row in self.opened()
            .filter(assignee__isnull=False)
            .values("assignee")
            .annotate(
                met=Count("pk", filter=Q(first_response_outcome="met")),
                breached=Count("pk", filter=Q(first_response_outcome="breached")),
                solved=Count("pk", filter=Q(resolved_at__isnull=False)),
            )
        }
        csat = {
            row["survey__ticket__assignee"]: row
            for row in self.filters.apply(
                self.scope.restrict(CsatResponse.objects.all(), "survey__ticket__team"),
                "survey__ticket__",
            )
            .filter(created_at__gte=period.starts_at, created_at__lt=period.stops_at)
            .values("survey__ticket__assignee")
            .annotate(average=Avg("rating"), answers=Count("pk"))
        }
        rows = []
        for pk in set(open_now) | set(replies) | set(first) | set(csat):
            person = people.get(pk)
            if person is None:
                continue
            met = first.get(pk, {}).get("met", 0)
            breached = first.get(pk, {}).get("breached", 0)
            rating = csat.get(pk, {})
            rows.append(
                {
                    "agent": person.display_name,
                    "open": open_now.get(pk, 0),
                    "replies": replies.get(pk, 0),
                    "solved": first.get(pk, {}).get("solved", 0),
                    "first_met": met,
                    "first_pct": percent(met, met + breached),
                    "csat": round(rating["average"], 2) if rating.get("average") else None,
                    "csat_answers": rating.get("answers", 0),
                }
            )
        rows.sort(key=lambda row: (-row["open"], -row["replies"], row["agent"]))
        return Table(
            "agents",
            gettext("Per agent"),
            [
                Column("agent", _("Agent"), "text"),
                Column("open", _("Open tickets now")),
                Column("replies", _("Public replies")),
                Column("solved", _("Assigned tickets solved")),
                Column("first_met", _("First responses met")),
                Column("first_pct", _("First response attainment %"), "percent"),
                Column("csat", _("Average satisfaction (1–5)"), "decimal"),
                Column("csat_answers", _("Survey answers")),
            ],
            rows,
            note=gettext(
                "Open tickets: now. Replies and satisfaction: in the period. First responses: "
                "tickets opened in the period and assigned to the agent."
            ),
        )

    def tables(self):
        return [self.table()]

    def context(self):
        tables = self.tables()
        chart = charts.bar_chart(
            [(row["agent"], row["first_pct"], row["first_met"]) for row in tables[0].rows[:15]],
            minimum=0,
            maximum=100,
            ticks=[0, 25, 50, 75, 100],
            axis_label=gettext("First responses on time, in per cent"),
            chart_id="chart-agents",
            note=gettext("{} met"),
        )
        return {"sections": sections(tables, {"agents": (chart, BAR)})}


REPORTS = {
    report.slug: report for report in (SlaReport, VolumeReport, ProblemsReport, AgentsReport)
}
