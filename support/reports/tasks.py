"""Monthly emails, run by django-q2 every hour: on the first days of a month, last month's
service report goes to each organisation's owners and admins (unless they opted out) and
the frequent-problems summary to the Support engineers. A MonthlyMailing row, written in
the same transaction as the outbox email, makes every email go out once."""

import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership, Organization
from accounts.staff_groups import ENGINEERS
from portal.emails import send_email_to_user
from portal.net import absolute_url
from portal.unsubscribe import read_unsubscribe_token, unsubscribe_headers, unsubscribe_token

from .customer import CustomerReport
from .models import MonthlyMailing, ReportPreference
from .periods import Period, add_months, month_start
from .scope import StaffScope

logger = logging.getLogger(__name__)

SEND_UNTIL_DAY = 3  # a cluster that was down on the 1st catches up until the 3rd

Kind = MonthlyMailing.Kind
OPT_OUT_PURPOSE = "reports.opt_out"


def opt_out_url(user):
    return absolute_url(reverse("reports:opt_out", args=[unsubscribe_token(OPT_OUT_PURPOSE, user)]))


def read_opt_out_token(token):
    return read_unsubscribe_token(OPT_OUT_PURPOSE, token)


def send_monthly_reports(today=None):
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    if today.day > SEND_UNTIL_DAY:
        return 0
    period = Period.month(add_months(month_start(today), -1))
    return send_service_reports(period) + send_frequent_problems(period)


def _mail_once(kind, period, user, organization, send):
    """Record the mailing and queue the email together; False if it went out before."""
    try:
        with transaction.atomic():
            MonthlyMailing.objects.create(
                kind=kind, month=period.start, user=user, organization=organization
            )
            send()
    except IntegrityError:
        return False
    return True


def service_report_recipients(organization_ids):
    opted_out = ReportPreference.objects.filter(opted_out=True).values("user_id")
    return (
        Membership.objects.managers()
        .filter(organization_id__in=organization_ids, user__is_active=True, user__is_staff=False)
        .exclude(user_id__in=opted_out)
        .select_related("user", "organization")
        .order_by("organization_id", "user_id")
    )


def send_service_reports(period):
    already = set(
        MonthlyMailing.objects.filter(kind=Kind.SERVICE_REPORT, month=period.start).values_list(
            "user_id", "organization_id"
        )
    )
    organizations = Organization.objects.filter(created_at__lt=period.stops_at)
    sent, reports = 0, {}
    for membership in service_report_recipients(organizations.values("pk")):
        if (membership.user_id, membership.organization_id) in already:
            continue
        organization, user = membership.organization, membership.user
        key = (organization.pk, user.language)
        if key not in reports:
            with translation.override(user.language):
                reports[key] = CustomerReport(organization, period).context()
        context = {
            **reports[key],
            "report_url": absolute_url(
                reverse("reports:month", args=[period.slug]) + f"?organization={organization.pk}"
            ),
            "opt_out_url": opt_out_url(user),
            "month_start": period.start,
        }
        if _mail_once(
            Kind.SERVICE_REPORT,
            period,
            user,
            organization,
            lambda user=user, context=context: send_email_to_user(
                user,
                "reports/email/service_report",
                context,
                headers=unsubscribe_headers(context["opt_out_url"]),
            ),
        ):
            sent += 1
    return sent


def send_frequent_problems(period):
    engineers = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=ENGINEERS)
        .exclude(
            pk__in=MonthlyMailing.objects.filter(
                kind=Kind.FREQUENT_PROBLEMS, month=period.start
            ).values("user_id")
        )
        .distinct()
    )
    sent, contexts = 0, {}
    for engineer in engineers:
        if engineer.language not in contexts:
            with translation.override(engineer.language):
                contexts[engineer.language] = problems_summary(engineer, period)
        context = contexts[engineer.language]
        if _mail_once(
            Kind.FREQUENT_PROBLEMS,
            period,
            engineer,
            None,
            lambda engineer=engineer, context=context: send_email_to_user(
                engineer, "reports/email/frequent_problems", context
            ),
        ):
            sent += 1
    return sent


def problems_summary(engineer, period):
    from .filters import ReportFilters
    from .staff import ProblemsReport

    scope = StaffScope(engineer)
    report = ProblemsReport(scope, ReportFilters(period.query(), scope))
    tables = {table.id: table for table in report.tables()}
    return {
        "period_start": period.start,
        "categories": tables["categories"].rows[:5],
        "services": tables["services"].rows[:3],
        "words": tables["words"].rows[:5],
        "searches": tables["searches"].rows[:5],
        "report_url": absolute_url(reverse("staff_reports:problems") + f"?month={period.slug}"),
    }
