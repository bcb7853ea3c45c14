"""The monthly service report an organisation reads at /reports/YYYY-MM/ and by email.

Who may read it: the organisation's owners and admins, and its members when an owner
allows it (Organization.members_see_reports). Every figure is this organisation's own,
against its own targets, in a fixed number of queries.
"""

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext

from support.tickets.models import Priority, Ticket

from .aggregates import attainment_counts, duration_percentiles, sla_targets, with_attainment
from .periods import Period, add_months, month_start
from .service_levels import organization_months

FIRST_MONTHS = 12  # months listed on /reports/


def may_read(membership):
    if membership is None:
        return False
    return membership.can_manage_members or membership.organization.members_see_reports


def reportable_membership(user, organization_id=None):
    """The membership whose reports `user` may read (the current organisation, or the one
    asked for), or None."""
    memberships = list(user.memberships_with_organizations()) if user.is_authenticated else []
    if organization_id is not None:
        chosen = next(
            (m for m in memberships if str(m.organization_id) == str(organization_id)), None
        )
    else:
        chosen = user.pick_current(memberships) if memberships else None
    return chosen if may_read(chosen) else None


def report_months(organization, today):
    """The months with a report: from the organisation's first month (or first ticket, for
    accounts moved in with their history) to the current one, at most FIRST_MONTHS."""
    last = month_start(today)
    began = organization.created_at
    first_ticket = organization.tickets.aggregate(first=Min("created_at"))["first"]
    if first_ticket and first_ticket < began:
        began = first_ticket
    began = timezone.localtime(began, timezone.get_default_timezone()).date()
    first = max(month_start(began), add_months(last, -(FIRST_MONTHS - 1)))
    months, month = [], last
    while month >= first:
        months.append(month)
        month = add_months(month, -1)
    return months


class CustomerReport:
    def __init__(self, organization, period: Period, now=None):
        self.organization = organization
        self.period = period
        self.now = now

    def tickets(self):
        return Ticket.objects.filter(organization=self.organization)

    def opened(self):
        return self.tickets().filter(
            created_at__gte=self.period.starts_at, created_at__lt=self.period.stops_at
        )

    def by_priority(self):
        period = self.period
        in_period = Q(created_at__gte=period.starts_at, created_at__lt=period.stops_at)
        solved = Q(resolved_at__gte=period.starts_at, resolved_at__lt=period.stops_at)
        rows = {
            row["priority"]: row
            for row in self.tickets()
            .filter(in_period | solved)
            .values("priority")
            .annotate(opened=Count("pk", filter=in_period), solved=Count("pk", filter=solved))
        }
        result = []
        for value, label in Priority.choices:
            row = rows.get(value, {"opened": 0, "solved": 0})
            result.append(
                {
                    "priority": value,
                    "label": label,
                    "opened": row["opened"],
                    "solved": row["solved"],
                }
            )
        return result

    def context(self):
        attainment = with_attainment(self.opened().aggregate(**attainment_counts()))
        durations = duration_percentiles(self.opened())
        month = organization_months(
            self.period, [self.organization], now=self.now, with_maintenance=True
        )[0]
        by_priority = self.by_priority()
        return {
            "organization": self.organization,
            "period": self.period,
            "server_zone": str(timezone.get_default_timezone()),
            "by_priority": by_priority,
            "opened_total": sum(row["opened"] for row in by_priority),
            "solved_total": sum(row["solved"] for row in by_priority),
            "attainment": attainment,
            "targets": [
                {
                    "name": name,
                    "label": label,
                    "met": attainment[f"{name}_met"],
                    "breached": attainment[f"{name}_breached"],
                    "pct": attainment[f"{name}_pct"],
                }
                for name, label in sla_targets()
            ],
            "first_response_median": durations["first_response"]["median"],
            "first_response_median_business": durations["first_response"]["median_business"],
            "month": month,
            "incidents": [item for item in month.incidents if not item[0].is_maintenance],
            "maintenance": [item for item in month.incidents if item[0].is_maintenance],
            "credit_explained": explain_credit(month),
        }


def explain_credit(month):
    """How the credit was computed, in a sentence or two."""
    if month.terms is None:
        return gettext("Your plan has no SLA credit terms.")
    if month.uptime is None and not month.late_p0:
        return gettext("None of your services is mapped to a monitored component this month.")
    credit, parts = month.credit, []
    if month.uptime is not None:
        if credit.step:
            parts.append(
                gettext(
                    "Uptime was %(uptime)s %%, below %(below)s %%: %(credit)s %% of the "
                    "monthly fee."
                )
                % {
                    "uptime": f"{month.uptime:.3f}",
                    "below": f"{credit.step.below:g}",
                    "credit": f"{credit.step.credit:g}",
                }
            )
        else:
            parts.append(
                gettext("Uptime was %(uptime)s %%, meeting the %(commitment)s %% commitment.")
                % {"uptime": f"{month.uptime:.3f}", "commitment": f"{month.commitment:g}"}
            )
    if credit.p0_credit:
        parts.append(
            gettext("%(count)s critical ticket(s) answered late: %(credit)s %%.")
            % {"count": credit.late_p0, "credit": f"{credit.p0_credit:g}"}
        )
    if credit.capped:
        parts.append(
            gettext("The credit is capped at %(maximum)s %%.")
            % {"maximum": f"{month.terms.maximum:g}"}
        )
    return " ".join(parts)
