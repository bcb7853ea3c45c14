"""The staff reports in the back office, under /admin/reports/ (registered before the admin's
own URLs). Each page is one report; `?format=csv&table=<id>` downloads one of its tables."""

from django.contrib import admin
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.db import reads_from_replica
from portal.spreadsheets import csv_response

from .filters import ReportFilters
from .periods import Period, parse_month
from .scope import StaffScope
from .service_levels import owed_credits
from .staff import REPORTS
from .tables import Column, Table

NAV = [
    ("sla", _("SLA attainment")),
    ("volume", _("Volume and backlog")),
    ("problems", _("Frequent problems")),
    ("agents", _("Workload")),
    ("credits", _("SLA credits")),
]


def base_context(request, scope, title, slug):
    return {
        **admin.site.each_context(request),
        "title": title,
        "report_slug": slug,
        "report_nav": [(name, label) for name, label in NAV if name != "credits" or scope.sees_all],
    }


def table_download(request, tables, period, slug):
    wanted = request.GET.get("table") or tables[0].id
    for table in tables:
        if table.id == wanted:
            return csv_response(table.csv_rows(), f"{slug}-{table.id}-{period.slug}.csv")
    raise Http404


def index(request):
    scope = StaffScope.of(request)
    scope.check()
    context = base_context(request, scope, gettext("Reports"), "")
    return TemplateResponse(request, "reports/admin/index.html", context)


@reads_from_replica
def report(request, slug):
    scope = StaffScope.of(request)
    scope.check()
    filters = ReportFilters(request.GET, scope)
    page = REPORTS[slug](scope, filters)
    if request.GET.get("format") == "csv":
        return table_download(request, page.tables(), filters.period, slug)
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    context = {
        **base_context(request, scope, str(page.title), slug),
        **page.context(),
        "filters": filters,
        "period": filters.period,
        "previous_query": _with_period(query, filters.period.previous()),
        "next_query": _with_period(query, filters.period.next()),
        "query": query.urlencode(),
    }
    return TemplateResponse(request, f"reports/admin/{slug}.html", context)


def _with_period(query, period):
    query = query.copy()
    for name in ("month", "start", "end"):
        query.pop(name, None)
    query.update(period.query())
    return query.urlencode()


def credits_table(months):
    rows = []
    for month in months:
        credit = month.credit
        rows.append(
            {
                "organization": month.organization.name,
                "tier": str(month.organization.get_tier_display()),
                "uptime": month.uptime,
                "commitment": month.commitment,
                "downtime": month.downtime_minutes,
                "uptime_credit": credit.uptime_credit,
                "late_p0": credit.late_p0,
                "p0_credit": credit.p0_credit,
                "total": credit.total,
                "reason": credit_reason(month),
            }
        )
    return Table(
        "credits",
        gettext("Organisations owed a credit"),
        [
            Column("organization", _("Organisation"), "text"),
            Column("tier", _("Tier"), "text"),
            Column("uptime", _("Uptime %"), "uptime"),
            Column("commitment", _("Commitment %"), "uptime"),
            Column("downtime", _("Weighted downtime"), "minutes"),
            Column("uptime_credit", _("Uptime credit %"), "percent"),
            Column("late_p0", _("P0 with late response")),
            Column("p0_credit", _("P0 credit %"), "percent"),
            Column("total", _("Credit owed %"), "percent"),
            Column("reason", _("Reason"), "text"),
        ],
        rows,
    )


def credit_reason(month):
    credit, parts = month.credit, []
    if credit.step:
        parts.append(
            gettext("uptime %(uptime)s %% below %(below)s %% earns %(credit)s %%")
            % {
                "uptime": f"{month.uptime:.3f}",
                "below": f"{credit.step.below:g}",
                "credit": f"{credit.step.credit:g}",
            }
        )
    if credit.p0_credit:
        parts.append(
            gettext("%(count)s P0 ticket(s) answered late × %(each)s %%")
            % {"count": credit.late_p0, "each": f"{month.terms.p0_response_credit:g}"}
        )
    if credit.capped:
        parts.append(gettext("capped at %(maximum)s %%") % {"maximum": f"{month.terms.maximum:g}"})
    return "; ".join(parts)


@reads_from_replica
def credits(request):
    scope = StaffScope.of(request)
    if not scope.sees_all:
        scope.check()
        raise Http404
    period = Period.month(parse_month(request.GET.get("month")) or Period.from_query({}).start)
    table = credits_table(owed_credits(period))
    if request.GET.get("format") == "csv":
        return table_download(request, [table], period, "credits")
    context = {
        **base_context(request, scope, gettext("SLA credits"), "credits"),
        "period": period,
        "table": table,
        "previous_query": f"month={period.previous().slug}",
        "next_query": f"month={period.next().slug}",
        "query": f"month={period.slug}",
    }
    return TemplateResponse(request, "reports/admin/credits.html", context)
