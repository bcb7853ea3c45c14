import io

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from accounts.admin import OrganizationAdmin
from portal.db import reads_from_replica

from . import services
from .models import (
    CsatResponse,
    FollowUp,
    NpsCampaign,
    NpsResponse,
    SurveyPreference,
    SurveyResults,
)
from .results import Results, ResultsFilter, write_csv


class OverdueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("open", _("Open, not yet due"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.overdue(today)
        if self.value() == "open":
            return queryset.open().filter(due_on__gte=today)
        return queryset


class SourceFilter(admin.SimpleListFilter):
    title = _("survey")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [("csat", "CSAT"), ("nps", "NPS")]

    def queryset(self, request, queryset):
        if self.value() == "csat":
            return queryset.filter(csat_response__isnull=False)
        if self.value() == "nps":
            return queryset.filter(nps_response__isnull=False)
        return queryset


@admin.register(FollowUp)
class FollowUpAdmin(ModelAdmin):
    list_display = [
        "__str__",
        "person",
        "survey_score",
        "ticket",
        "assigned_to",
        "due_on",
        "status",
    ]
    list_filter = ["status", OverdueFilter, SourceFilter, "assigned_to", "organization__tier"]
    search_fields = ["organization__name", "person__email", "ticket__reference", "outcome"]
    list_select_related = [
        "organization",
        "person",
        "ticket",
        "assigned_to",
        "csat_response",
        "nps_response",
    ]
    autocomplete_fields = ["assigned_to"]
    fields = [
        "organization",
        "person",
        "ticket_link",
        "answer",
        "assigned_to",
        "due_on",
        "status",
        "outcome",
        "created_at",
        "closed_at",
        "closed_by",
    ]
    readonly_fields = [
        "organization",
        "person",
        "ticket_link",
        "answer",
        "created_at",
        "closed_at",
        "closed_by",
    ]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("score"))
    def survey_score(self, obj):
        return f"CSAT {obj.score}/5" if obj.source == "csat" else f"NPS {obj.score}/10"

    @admin.display(description=_("ticket"))
    def ticket_link(self, obj):
        if not obj.ticket_id:
            return "—"
        url = reverse("admin:tickets_ticket_change", args=[obj.ticket_id])
        return format_html('<a href="{}">{}</a>', url, obj.ticket)

    @admin.display(description=_("answer"))
    def answer(self, obj):
        return format_html("<strong>{}</strong><br>{}", self.survey_score(obj), obj.comment or "—")

    def save_model(self, request, obj, form, change):
        closing = "status" in form.changed_data and obj.status == FollowUp.Status.DONE
        if closing:
            obj.closed_at = timezone.now()
            obj.closed_by = request.user
        elif obj.status == FollowUp.Status.OPEN:
            obj.closed_at = obj.closed_by = None
        super().save_model(request, obj, form, change)
        if closing:
            services.note_closed(obj)


class FollowUpInline(TabularInline):
    """The organisation's follow-ups, on its admin page."""

    model = FollowUp
    fk_name = "organization"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "created_at",
        "person",
        "survey_score",
        "ticket",
        "assigned_to",
        "due_on",
        "status",
        "outcome",
    ]
    readonly_fields = fields
    verbose_name_plural = _("survey follow-ups")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("person", "ticket", "assigned_to", "csat_response", "nps_response")
            .order_by("-created_at")
        )

    @admin.display(description=_("score"))
    def survey_score(self, obj):
        return f"CSAT {obj.score}/5" if obj.source == "csat" else f"NPS {obj.score}/10"


OrganizationAdmin.inlines = [*OrganizationAdmin.inlines, FollowUpInline]


@admin.register(NpsCampaign)
class NpsCampaignAdmin(ModelAdmin):
    list_display = ["name", "audience_text", "send_at", "status", "invited", "answered", "sent_at"]
    list_filter = ["status", "audience"]
    search_fields = ["name"]
    fields = [
        "name",
        "audience",
        "tier",
        "role",
        "send_at",
        "message_en",
        "message_zh_hans",
        "status",
        "sent_at",
    ]
    readonly_fields = ["sent_at"]
    actions = ["schedule"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                invited_total=Count("invitations"), answered_total=Count("invitations__response")
            )
        )

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.status == NpsCampaign.Status.SENT:
            return list(self.fields)
        return self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "status" in form.base_fields:
            form.base_fields["status"].choices = [
                choice
                for choice in NpsCampaign.Status.choices
                if choice[0] != NpsCampaign.Status.SENT
            ]
            form.base_fields["status"].help_text = gettext(
                "Scheduled campaigns go out at their send time (checked every few minutes). "
                "Nobody is asked twice in 90 days, and people who opted out are left out."
            )
        return form

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("audience"))
    def audience_text(self, obj):
        if obj.audience == NpsCampaign.Audience.TIER:
            return f"{obj.get_audience_display()}: {obj.get_tier_display()}"
        if obj.audience == NpsCampaign.Audience.ROLE:
            return f"{obj.get_audience_display()}: {obj.get_role_display()}"
        return obj.get_audience_display()

    @admin.display(description=_("invited"), ordering="invited_total")
    def invited(self, obj):
        return obj.invited_total

    @admin.display(description=_("answered"), ordering="answered_total")
    def answered(self, obj):
        return obj.answered_total

    @admin.action(description=_("Schedule the selected draft campaigns"), permissions=["change"])
    def schedule(self, request, queryset):
        count = queryset.filter(status=NpsCampaign.Status.DRAFT).update(
            status=NpsCampaign.Status.SCHEDULED
        )
        self.message_user(
            request,
            gettext("%(count)d campaign(s) scheduled.") % {"count": count},
            messages.SUCCESS,
        )


class ReadOnlyAdmin(ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CsatResponse)
class CsatResponseAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "ticket", "person", "rating", "comment"]
    list_filter = ["rating", "survey__ticket__organization__tier", "survey__ticket__team"]
    search_fields = ["survey__ticket__reference", "survey__person__email", "comment"]
    list_select_related = ["survey__ticket", "survey__person"]
    date_hierarchy = "created_at"

    @admin.display(description=_("ticket"), ordering="survey__ticket__reference")
    def ticket(self, obj):
        return obj.survey.ticket.reference

    @admin.display(description=_("person"))
    def person(self, obj):
        return obj.survey.person


@admin.register(NpsResponse)
class NpsResponseAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "campaign", "person", "organization", "score", "reason"]
    list_filter = ["score", "invitation__campaign", "invitation__organization__tier"]
    search_fields = ["invitation__person__email", "invitation__organization__name", "reason"]
    list_select_related = ["invitation__campaign", "invitation__person", "invitation__organization"]
    date_hierarchy = "created_at"

    @admin.display(description=_("campaign"))
    def campaign(self, obj):
        return obj.invitation.campaign

    @admin.display(description=_("person"))
    def person(self, obj):
        return obj.invitation.person

    @admin.display(description=_("organisation"))
    def organization(self, obj):
        return obj.invitation.organization


@admin.register(SurveyPreference)
class SurveyPreferenceAdmin(ModelAdmin):
    list_display = ["user", "opted_out", "updated_at"]
    list_filter = ["opted_out"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(SurveyResults)
class SurveyResultsAdmin(ModelAdmin):
    """The results page: CSAT and NPS by month, tier, team, agent and category, and CSV."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "export.csv",
                self.admin_site.admin_view(self.export_view),
                name="surveys_surveyresults_export",
            ),
            *super().get_urls(),
        ]

    def _results(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return Results(ResultsFilter(request.GET or None))

    @method_decorator(reads_from_replica)
    def changelist_view(self, request, extra_context=None):
        results = self._results(request)
        context = {
            **self.admin_site.each_context(request),
            **results.context(),
            "title": gettext("Survey results"),
            "opts": self.model._meta,
            "filters": results.filters,
            "query": request.GET.urlencode(),
        }
        return TemplateResponse(request, "surveys/admin/results.html", context)

    @method_decorator(reads_from_replica)
    def export_view(self, request):
        results = self._results(request)
        stream = io.StringIO()
        write_csv(results, stream)
        response = HttpResponse(stream.getvalue(), content_type="text/csv; charset=utf-8")
        filename = f"survey-results-{results.start:%Y-%m}-to-{results.end:%Y-%m}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
