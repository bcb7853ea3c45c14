"""The numbers on the staff results page and in its CSV export, aggregated in the database."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from portal import charts
from portal.spreadsheets import write_rows

from .models import CsatResponse, CsatSurvey, FollowUp, NpsCampaign, NpsResponse
from .scores import (
    DETRACTOR_MAX,
    HAPPY_MIN,
    LOW_CSAT_MAX,
    PROMOTER_MIN,
    csat_aggregates,
    nps_aggregates,
    response_rate,
    with_csat,
    with_nps,
)

COMMENT_LIMIT = 50
DEFAULT_MONTHS = 6


def month_start(day):
    return day.replace(day=1)


def add_months(day, months):
    month_index = day.year * 12 + day.month - 1 + months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1)


class ResultsFilter(forms.Form):
    start = forms.DateField(
        label=_("From month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label=_("To month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All tiers")), *Organization.Tier.choices]
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("All teams")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), required=False, queryset=None, empty_label=_("All agents")
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=None, empty_label=_("All categories")
    )
    kind = forms.ChoiceField(
        label=_("Comments from"),
        required=False,
        choices=[("", _("CSAT and NPS")), ("csat", "CSAT"), ("nps", "NPS")],
    )
    band = forms.ChoiceField(
        label=_("Scores"),
        required=False,
        choices=[
            ("", _("All scores")),
            ("low", _("Unhappy (CSAT 1–2, NPS 0–6)")),
            ("middle", _("Neutral (CSAT 3, NPS 7–8)")),
            ("high", _("Happy (CSAT 4–5, NPS 9–10)")),
        ],
    )
    q = forms.CharField(label=_("Comment contains"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        from support.tickets.models import Category, Team

        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("tier", "name")
        self.fields["agent"].queryset = (
            get_user_model().objects.filter(is_staff=True).order_by("full_name", "email")
        )
        self.fields["agent"].label_from_instance = lambda user: user.display_name
        self.fields["category"].queryset = Category.objects.order_by("position", "name")
        end = month_start(timezone.localdate())
        self.fields["end"].initial = end
        self.fields["start"].initial = add_months(end, -(DEFAULT_MONTHS - 1))

    def period(self):
        """(first day, first day after) in months, the last six months by default."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        end = month_start(data.get("end") or today)
        start = month_start(data.get("start") or add_months(end, -(DEFAULT_MONTHS - 1)))
        if start > end:
            start, end = end, start
        return start, add_months(end, 1)

    def value(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None


def aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def months_between(start, stop):
    months, day = [], start
    while day < stop:
        months.append(day)
        day = add_months(day, 1)
    return months


class Results:
    """Everything the page shows, each group in one query."""

    def __init__(self, filters):
        self.filters = filters
        self.start, self.stop = filters.period()
        self.end = add_months(self.stop, -1)
        self.months = months_between(self.start, self.stop)
        self.ticket_filtered = any(filters.value(name) for name in ("team", "agent", "category"))

    # Base querysets -------------------------------------------------------------------------

    def csat_answers(self):
        answers = CsatResponse.objects.filter(
            created_at__gte=aware(self.start), created_at__lt=aware(self.stop)
        )
        value = self.filters.value
        if value("tier"):
            answers = answers.filter(survey__ticket__organization__tier=value("tier"))
        if value("team"):
            answers = answers.filter(survey__ticket__team=value("team"))
        if value("agent"):
            answers = answers.filter(survey__ticket__assignee=value("agent"))
        if value("category"):
            answers = answers.filter(survey__ticket__category=value("category"))
        return answers

    def nps_answers(self):
        answers = NpsResponse.objects.filter(
            created_at__gte=aware(self.start), created_at__lt=aware(self.stop)
        )
        if self.filters.value("tier"):
            answers = answers.filter(invitation__organization__tier=self.filters.value("tier"))
        return answers

    # Groups ---------------------------------------------------------------------------------

    def csat_total(self):
        return with_csat(self.csat_answers().aggregate(**csat_aggregates()))

    def nps_total(self):
        return with_nps(self.nps_answers().aggregate(**nps_aggregates()))

    def _by_month(self, answers, aggregates, add_score):
        rows = (
            answers.annotate(month=TruncMonth("created_at"))
            .values("month")
            .annotate(**aggregates)
            .order_by("month")
        )
        found = {
            timezone.localtime(row["month"]).date()
            if isinstance(row["month"], datetime.datetime)
            else row["month"]: row
            for row in rows
        }
        empty = dict.fromkeys(aggregates, 0)
        return [{"label": month, **add_score(found.get(month, empty))} for month in self.months]

    def csat_by_month(self):
        return self._by_month(self.csat_answers(), csat_aggregates(), with_csat)

    def nps_by_month(self):
        return self._by_month(self.nps_answers(), nps_aggregates(), with_nps)

    def csat_by(self, field, label_fields=()):
        rows = (
            self.csat_answers()
            .values(field, *label_fields)
            .annotate(**csat_aggregates())
            .order_by("-answers", field)
        )
        return [with_csat(row) for row in rows]

    def csat_by_tier(self):
        tiers = dict(Organization.Tier.choices)
        field = "survey__ticket__organization__tier"
        return [
            {**row, "label": str(tiers.get(row[field], row[field]))} for row in self.csat_by(field)
        ]

    def csat_by_team(self):
        field = "survey__ticket__team__name"
        return [{**row, "label": row[field] or gettext("No team")} for row in self.csat_by(field)]

    def csat_by_agent(self):
        field = "survey__ticket__assignee"
        rows = self.csat_by(
            field, ["survey__ticket__assignee__full_name", "survey__ticket__assignee__email"]
        )
        return [
            {
                **row,
                "label": row["survey__ticket__assignee__full_name"]
                or row["survey__ticket__assignee__email"]
                or gettext("Unassigned"),
            }
            for row in rows
        ]

    def csat_by_category(self):
        field = "survey__ticket__category__name"
        return [
            {**row, "label": row[field] or gettext("No category")} for row in self.csat_by(field)
        ]

    def nps_by_tier(self):
        tiers = dict(Organization.Tier.choices)
        field = "invitation__organization__tier"
        rows = (
            self.nps_answers()
            .values(field)
            .annotate(**nps_aggregates())
            .order_by("-answers", field)
        )
        return [with_nps({**row, "label": str(tiers.get(row[field], row[field]))}) for row in rows]

    def csat_response_rate(self):
        asked = CsatSurvey.objects.filter(
            emailed_at__gte=aware(self.start), emailed_at__lt=aware(self.stop)
        )
        value = self.filters.value
        if value("tier"):
            asked = asked.filter(ticket__organization__tier=value("tier"))
        for name, field in (
            ("team", "ticket__team"),
            ("agent", "ticket__assignee"),
            ("category", "ticket__category"),
        ):
            if value(name):
                asked = asked.filter(**{field: value(name)})
        row = asked.aggregate(asked=Count("pk"), answered=Count("response"))
        return {**row, "rate": response_rate(row["answered"], row["asked"])}

    def nps_campaigns(self):
        tier = self.filters.value("tier")
        scope = Q(invitations__organization__tier=tier) if tier else Q()
        campaigns = (
            NpsCampaign.objects.filter(sent_at__gte=aware(self.start), sent_at__lt=aware(self.stop))
            .annotate(
                invited=Count("invitations", filter=scope),
                answers=Count("invitations__response", filter=scope),
                promoters=Count(
                    "invitations__response",
                    filter=scope & Q(invitations__response__score__gte=PROMOTER_MIN),
                ),
                detractors=Count(
                    "invitations__response",
                    filter=scope & Q(invitations__response__score__lte=DETRACTOR_MAX),
                ),
            )
            .order_by("-sent_at")
        )
        return [
            {
                **with_nps(
                    {"answers": c.answers, "promoters": c.promoters, "detractors": c.detractors}
                ),
                "campaign": c,
                "invited": c.invited,
                "rate": response_rate(c.answers, c.invited),
            }
            for c in campaigns
        ]

    def follow_ups(self):
        follow_ups = FollowUp.objects.filter(
            created_at__gte=aware(self.start), created_at__lt=aware(self.stop)
        )
        if self.filters.value("tier"):
            follow_ups = follow_ups.filter(organization__tier=self.filters.value("tier"))
        return follow_ups.aggregate(
            opened=Count("pk"),
            open=Count("pk", filter=Q(status=FollowUp.Status.OPEN)),
            overdue=Count(
                "pk", filter=Q(status=FollowUp.Status.OPEN, due_on__lt=timezone.localdate())
            ),
            done=Count("pk", filter=Q(status=FollowUp.Status.DONE)),
        )

    # Comments -------------------------------------------------------------------------------

    def csat_comments(self):
        comments = self.csat_answers().exclude(comment="")
        band = self.filters.value("band")
        if band == "low":
            comments = comments.filter(rating__lte=LOW_CSAT_MAX)
        elif band == "middle":
            comments = comments.filter(rating__gt=LOW_CSAT_MAX, rating__lt=HAPPY_MIN)
        elif band == "high":
            comments = comments.filter(rating__gte=HAPPY_MIN)
        if self.filters.value("q"):
            comments = comments.filter(comment__icontains=self.filters.value("q"))
        return comments.select_related(
            "survey__person",
            "survey__ticket__organization",
            "survey__ticket__assignee",
            "survey__ticket__category",
            "follow_up",
        ).order_by("-created_at", "-pk")

    def nps_comments(self):
        comments = self.nps_answers().exclude(reason="")
        band = self.filters.value("band")
        if band == "low":
            comments = comments.filter(score__lte=DETRACTOR_MAX)
        elif band == "middle":
            comments = comments.filter(score__gt=DETRACTOR_MAX, score__lt=PROMOTER_MIN)
        elif band == "high":
            comments = comments.filter(score__gte=PROMOTER_MIN)
        if self.filters.value("q"):
            comments = comments.filter(reason__icontains=self.filters.value("q"))
        return comments.select_related(
            "invitation__person", "invitation__organization", "invitation__campaign", "follow_up"
        ).order_by("-created_at", "-pk")

    # Everything for the page ----------------------------------------------------------------

    def context(self):
        kind = self.filters.value("kind")
        csat_by_month = self.csat_by_month()
        nps_by_month = self.nps_by_month()
        groups = {
            "tier": self.csat_by_tier(),
            "team": self.csat_by_team(),
            "agent": self.csat_by_agent(),
            "category": self.csat_by_category(),
        }
        nps_by_tier = self.nps_by_tier()
        return {
            "start": self.start,
            "end": self.end,
            "csat_total": self.csat_total(),
            "nps_total": self.nps_total(),
            "csat_by_month": csat_by_month,
            "nps_by_month": nps_by_month,
            "csat_groups": [
                {
                    "title": title,
                    "name": name,
                    "rows": groups[name],
                    "chart": csat_chart(
                        [(row["label"], row) for row in groups[name]], f"chart-csat-{name}"
                    ),
                }
                for name, title in (
                    ("tier", gettext("CSAT by tier")),
                    ("team", gettext("CSAT by team")),
                    ("agent", gettext("CSAT by agent")),
                    ("category", gettext("CSAT by category")),
                )
            ],
            "nps_by_tier": nps_by_tier,
            "csat_rate": self.csat_response_rate(),
            "campaigns": self.nps_campaigns(),
            "follow_ups": self.follow_ups(),
            "ticket_filtered": self.ticket_filtered,
            "csat_comments": list(self.csat_comments()[:COMMENT_LIMIT])
            if kind in ("", None, "csat")
            else None,
            "nps_comments": list(self.nps_comments()[:COMMENT_LIMIT])
            if kind in ("", None, "nps") and not self.ticket_filtered
            else None,
            "comment_limit": COMMENT_LIMIT,
            "charts": {
                "csat_month": csat_chart(
                    [(month_label(row["label"]), row) for row in csat_by_month], "chart-csat-month"
                ),
                "nps_month": nps_chart(
                    [(month_label(row["label"]), row) for row in nps_by_month], "chart-nps-month"
                ),
                "nps_tier": nps_chart(
                    [(row["label"], row) for row in nps_by_tier], "chart-nps-tier"
                ),
            },
        }


def month_label(day):
    from django.utils.formats import date_format

    return date_format(day, "YEAR_MONTH_FORMAT")


def csat_chart(rows, chart_id):
    return charts.bar_chart(
        [(label, row["score"], row["answers"]) for label, row in rows],
        minimum=0,
        maximum=100,
        ticks=[0, 25, 50, 75, 100],
        axis_label=gettext("CSAT: share of answers rated 4 or 5, in per cent"),
        chart_id=chart_id,
    )


def nps_chart(rows, chart_id):
    return charts.bar_chart(
        [(label, row["score"], row["answers"]) for label, row in rows],
        minimum=-100,
        maximum=100,
        ticks=[-100, -50, 0, 50, 100],
        axis_label=gettext("NPS: per cent promoters (9–10) minus per cent detractors (0–6)"),
        chart_id=chart_id,
    )


# CSV ------------------------------------------------------------------------------------------


CSV_HEADER = [
    "survey",
    "answered_at",
    "organisation",
    "tier",
    "person",
    "ticket",
    "team",
    "agent",
    "category",
    "campaign",
    "score",
    "comment",
    "follow_up",
]


def csv_rows(results):
    """Every answer in the page's filters (CSAT, then NPS unless filtered by ticket fields)."""
    yield CSV_HEADER
    csat = (
        results.csat_answers()
        .select_related(
            "survey__person",
            "survey__ticket__organization",
            "survey__ticket__team",
            "survey__ticket__assignee",
            "survey__ticket__category",
            "follow_up",
        )
        .order_by("created_at", "pk")
    )
    for answer in csat:
        ticket = answer.survey.ticket
        yield [
            "CSAT",
            answer.created_at.isoformat(),
            ticket.organization.name,
            ticket.organization.tier,
            answer.survey.person.email,
            ticket.reference,
            ticket.team.name if ticket.team_id else "",
            ticket.assignee.display_name if ticket.assignee_id else "",
            ticket.category.name if ticket.category_id else "",
            "",
            answer.rating,
            answer.comment,
            _follow_up_status(answer),
        ]
    if results.ticket_filtered:
        return
    nps = (
        results.nps_answers()
        .select_related(
            "invitation__person", "invitation__organization", "invitation__campaign", "follow_up"
        )
        .order_by("created_at", "pk")
    )
    for answer in nps:
        invitation = answer.invitation
        yield [
            "NPS",
            answer.created_at.isoformat(),
            invitation.organization.name,
            invitation.organization.tier,
            invitation.person.email,
            "",
            "",
            "",
            "",
            invitation.campaign.name,
            answer.score,
            answer.reason,
            _follow_up_status(answer),
        ]


def _follow_up_status(answer):
    try:
        return answer.follow_up.status
    except FollowUp.DoesNotExist:
        return ""


def write_csv(results, stream):
    write_rows(csv_rows(results), stream)
