"""The back office for tickets: the queue, the ticket page with conversation and reply box."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import Exists, F, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import Membership
from support.oncall import paging
from support.oncall.admin import oncall_summary

from . import services
from .calendars import load_public_holidays
from .forms import AttachmentsField
from .models import (
    Attachment,
    BusinessCalendar,
    Category,
    Holiday,
    Macro,
    Message,
    SlaPolicy,
    Team,
    Ticket,
    TimelineEvent,
)
from .templatetags.tickets_tags import sla_left

SLA_BADGES = {
    "breached": ("background:#fee4e2;color:#b42318", _("breached")),
    "at_risk": ("background:#fff4d6;color:#8a5300", _("at risk")),
    "on_track": ("background:#dafbe1;color:#1a7f37", _("on track")),
}


class AssignedFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


class SlaFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("at_risk", _("At risk")), ("breached", _("Breached")), ("on_track", _("On track"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        breached = (
            Q(next_due_at__lte=now)
            | Q(first_response_outcome="breached")
            | Q(resolution_outcome="breached")
        )
        at_risk = Q(first_response_at__isnull=True, first_response_warn_at__lte=now) | Q(
            resolution_warn_at__lte=now
        )
        active = queryset.filter(status__in=Ticket.ACTIVE_STATES)
        if self.value() == "breached":
            return active.filter(breached)
        if self.value() == "at_risk":
            return active.filter(at_risk, next_due_at__gt=now).exclude(breached)
        if self.value() == "on_track":
            return active.filter(next_due_at__gt=now).exclude(at_risk).exclude(breached)
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = _("organisation tier")
    parameter_name = "org_tier"

    def lookups(self, request, model_admin):
        from accounts.models import Organization

        return Organization.Tier.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(organization__tier=self.value())
        return queryset


class TicketActionForm(ActionForm):
    target_reference = forms.CharField(
        label=_("Merge into (reference)"), required=False, max_length=12
    )


class TicketChangeForm(forms.ModelForm):
    reply_kind = forms.ChoiceField(
        label=_("Add"),
        choices=[("public", _("Reply to customer")), ("internal", _("Internal note"))],
        widget=forms.RadioSelect,
        initial="public",
    )
    macro = forms.ModelChoiceField(
        label=_("Canned response"),
        queryset=Macro.objects.all(),
        required=False,
        help_text=_("Inserted before your text, with the placeholders filled in."),
    )
    reply_body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 6, "cols": 80}), required=False
    )
    reply_attachments = AttachmentsField(label=_("Attachments"))
    priority_reason = forms.CharField(label=_("Reason for a priority change"), required=False)

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee", "team", "category", "service", "incident", "cc"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = self.instance
        self.fields["service"].queryset = ticket.organization.services.all()
        self.fields["cc"].queryset = ticket.organization.members.all()
        self.fields["assignee"].queryset = self.fields["assignee"].queryset.filter(is_staff=True)

    def clean_status(self):
        status = self.cleaned_data["status"]
        if self.instance.status == Ticket.Status.CLOSED and status != Ticket.Status.CLOSED:
            raise forms.ValidationError(_("A closed ticket can't be reopened."))
        return status


class TicketAddForm(forms.ModelForm):
    """Staff open a ticket for a customer who phoned, chatted or emailed."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (Ticket.Channel.PHONE, _("Phone")),
            (Ticket.Channel.CHAT, _("Chat")),
            (Ticket.Channel.EMAIL, _("Email")),
        ],
    )

    class Meta:
        model = Ticket
        fields = [
            "organization",
            "requester",
            "channel",
            "category",
            "priority",
            "service",
            "subject",
            "description",
        ]

    def clean(self):
        data = super().clean()
        organization, requester = data.get("organization"), data.get("requester")
        members = Membership.objects.filter(organization=organization, user=requester)
        if organization and requester and not members.exists():
            self.add_error("requester", _("This person is not in the chosen organisation."))
        service = data.get("service")
        if service and organization and service.organization_id != organization.pk:
            self.add_error("service", _("This service belongs to another organisation."))
        return data


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "ref",
        "sla",
        "subject",
        "organization_and_tier",
        "prio",
        "status",
        "assignee",
        "team",
        "last_activity",
    ]
    list_display_links = ["ref", "subject"]
    list_select_related = ["organization", "assignee", "team"]
    list_filter = [
        "status",
        "priority",
        TierFilter,
        AssignedFilter,
        SlaFilter,
        "category",
        "channel",
        "team",
        ("incident", admin.EmptyFieldListFilter),
    ]
    search_fields = ["reference", "subject", "requester__email", "messages__body"]
    search_help_text = _("Reference, subject, requester's email or any message text.")
    list_per_page = 50
    show_full_result_count = False
    actions = [
        "assign_to_me",
        "acknowledge_pages",
        "escalate_to_tier_2",
        "merge_into",
        "close_tickets",
    ]
    action_form = TicketActionForm
    change_form_template = "admin/tickets/ticket/change_form.html"
    readonly_fields = [
        "reference",
        "organization",
        "requester",
        "subject",
        "channel",
        "tier",
        "created_at",
        "last_activity_at",
        "sla_summary",
        "details",
        "links",
    ]
    autocomplete_fields = ["requester", "organization"]

    def get_ordering(self, request):
        """Most urgent SLA first: late targets have the earliest due times."""
        return [F("next_due_at").asc(nulls_last=True), "-last_activity_at"]

    def get_search_results(self, request, queryset, search_term):
        """One EXISTS for the messages instead of a join, so no duplicates need removing."""
        term = search_term.replace("\x00", "").strip()[:200]
        if not term:
            return queryset, False
        text = Message.objects.filter(ticket=OuterRef("pk"), body__icontains=term)
        found = queryset.filter(
            Q(reference__iexact=term)
            | Q(subject__icontains=term)
            | Q(requester__email__iexact=term)
            | Exists(text)
        )
        return found, False

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = TicketChangeForm if obj else TicketAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": TicketAddForm.Meta.fields})]
        return [
            (
                None,
                {
                    "fields": [
                        ("reference", "channel", "tier"),
                        ("organization", "requester"),
                        "subject",
                        "details",
                        "sla_summary",
                        "links",
                    ]
                },
            ),
            (
                _("Reply or note"),
                {"fields": ["reply_kind", "macro", "reply_body", "reply_attachments"]},
            ),
            (
                _("Work the ticket"),
                {
                    "fields": [
                        ("status", "priority"),
                        "priority_reason",
                        ("assignee", "team"),
                        ("category", "service"),
                        "incident",
                        "cc",
                    ]
                },
            ),
        ]

    @admin.display(description=_("reference"), ordering="reference")
    def ref(self, obj):
        return format_html('<span style="white-space:nowrap">{}</span>', obj.reference)

    @admin.display(description=_("priority"), ordering="priority")
    def prio(self, obj):
        colours = {"P0": "#b42318", "P1": "#8a5300", "P2": "#0b5cad", "P3": "#57606a"}
        return format_html(
            '<strong style="color:{}" title="{}">{}</strong>',
            colours[obj.priority],
            obj.get_priority_display(),
            obj.priority,
        )

    @admin.display(description=_("organisation"), ordering="organization__name")
    def organization_and_tier(self, obj):
        return f"{obj.organization.name} ({obj.organization.get_tier_display()})"

    @admin.display(description=_("last activity"), ordering="last_activity_at")
    def last_activity(self, obj):
        return naturaltime(obj.last_activity_at)

    @admin.display(description=_("next SLA target"), ordering="next_due_at")
    def sla(self, obj):
        state = obj.sla_state()
        if not state:
            return "—"
        css, label = SLA_BADGES[state]
        return format_html(
            '<span style="{};padding:1px 6px;border-radius:8px;font-weight:600;white-space:nowrap">'
            "{}</span><br>{}",
            css,
            label,
            sla_left(obj),
        )

    @admin.display(description=_("SLA"))
    def sla_summary(self, obj):
        rows = [
            (
                _("First response due"),
                obj.first_response_due_at,
                obj.first_response_at,
                obj.get_first_response_outcome_display(),
            ),
            (
                _("Resolution due"),
                obj.resolution_due_at,
                obj.resolved_at,
                obj.get_resolution_outcome_display(),
            ),
        ]
        parts = [
            format_html(
                "<li>{}: {} · {} {} · <strong>{}</strong></li>",
                label,
                timezone.localtime(due).strftime("%Y-%m-%d %H:%M %Z") if due else "—",
                _("done"),
                timezone.localtime(done).strftime("%Y-%m-%d %H:%M") if done else "—",
                outcome,
            )
            for label, due, done, outcome in rows
        ]
        if obj.update_due_at:
            parts.append(
                format_html(
                    "<li>{}: {}</li>",
                    _("Next customer update due"),
                    timezone.localtime(obj.update_due_at).strftime("%Y-%m-%d %H:%M %Z"),
                )
            )
        if obj.is_paused:
            parts.append(
                format_html("<li>{}</li>", _("Clock paused while waiting on the customer."))
            )
        parts += oncall_summary(obj)
        return format_html("<ul class='sla-summary'>{}</ul>", mark_safe("".join(parts)))

    @admin.display(description=_("details"))
    def details(self, obj):
        items = [
            (_("Problem started"), obj.problem_started_at),
            (_("What was tried"), obj.what_was_tried),
        ]
        items += list((obj.extra_fields or {}).items())
        return format_html(
            "<dl>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, v or "—") for k, v in items)),
        )

    @admin.display(description=_("links"))
    def links(self, obj):
        parts = []
        for label, other in [
            (_("Merged into"), obj.merged_into),
            (_("Follow-up of"), obj.follow_up_of),
        ]:
            if other:
                url = reverse("admin:tickets_ticket_change", args=[other.pk])
                parts.append(format_html('{}: <a href="{}">{}</a>', label, url, other.reference))
        for other in obj.merged_tickets.all():
            url = reverse("admin:tickets_ticket_change", args=[other.pk])
            parts.append(
                format_html('{}: <a href="{}">{}</a>', _("Merged from"), url, other.reference)
            )
        return format_html(" · ".join(["{}"] * len(parts)), *parts) if parts else "—"

    def get_urls(self):
        return [
            path(
                "<int:ticket_id>/attachments/<int:pk>/",
                self.admin_site.admin_view(self.download),
                name="tickets_ticket_attachment",
            )
        ] + super().get_urls()

    def download(self, request, ticket_id, pk):
        if not self.has_view_permission(request):
            raise Http404
        attachment = get_object_or_404(Attachment, ticket_id=ticket_id, pk=pk)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if ticket is not None:
            extra_context["conversation"] = ticket.messages.select_related(
                "author"
            ).prefetch_related("attachments")
            extra_context["timeline"] = ticket.events.select_related("actor")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:
            ticket = services.open_ticket(
                organization=obj.organization,
                requester=obj.requester,
                subject=obj.subject,
                description=obj.description,
                priority=obj.priority,
                category=obj.category,
                service=obj.service,
                channel=form.cleaned_data["channel"],
                created_by=request.user,
            )
            obj.__dict__.update(ticket.__dict__)
            return
        data = form.cleaned_data
        Ticket.objects.filter(pk=obj.pk).update(
            category=obj.category, service=obj.service, incident=obj.incident
        )
        ticket = Ticket.objects.select_related("organization", "requester").get(pk=obj.pk)
        services.change_priority(
            ticket, data["priority"], by=request.user, reason=data["priority_reason"]
        )
        services.assign(ticket, data["assignee"], by=request.user)
        services.change_team(ticket, data["team"], by=request.user)
        body = data["reply_body"].strip()
        if data["macro"]:
            body = (data["macro"].render(ticket, request.user) + "\n\n" + body).strip()
        if body:
            services.add_reply(
                ticket,
                author=request.user,
                body=body,
                internal=data["reply_kind"] == "internal",
                attachments=data["reply_attachments"],
            )
        if data["status"] != ticket.status:
            services.change_status(ticket, data["status"], by=request.user)
        obj.__dict__.update({k: v for k, v in ticket.__dict__.items() if k != "_state"})

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        for ticket in queryset.select_related("organization"):
            services.assign(ticket, request.user, by=request.user)
        self.message_user(request, _("Assigned to you."), messages.SUCCESS)

    @admin.action(description=_("Acknowledge pages (and take unassigned tickets)"))
    def acknowledge_pages(self, request, queryset):
        count = sum(paging.acknowledge_ticket(ticket, request.user) for ticket in queryset)
        self.message_user(
            request, _("%(count)d acknowledged.") % {"count": count}, messages.SUCCESS
        )

    @admin.action(description=_("Escalate to tier 2"))
    def escalate_to_tier_2(self, request, queryset):
        count = 0
        for ticket in queryset.select_related("organization__account_manager"):
            services.escalate(ticket, by=request.user, reason=str(_("Escalated by staff")))
            count += 1
        self.message_user(
            request,
            ngettext("%d ticket escalated.", "%d tickets escalated.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Merge into another ticket (enter its reference)"))
    def merge_into(self, request, queryset):
        reference = (request.POST.get("target_reference") or "").strip().upper()
        target = Ticket.objects.filter(reference=reference).first()
        if target is None:
            self.message_user(
                request, _("Enter the reference of the ticket to merge into."), messages.ERROR
            )
            return
        merged = 0
        for source in queryset.exclude(pk=target.pk):
            try:
                services.merge(source, target, by=request.user)
                merged += 1
            except services.TicketError as error:
                self.message_user(request, f"{source.reference}: {error}", messages.ERROR)
        if merged:
            self.message_user(
                request,
                ngettext(
                    "%(n)d ticket merged into %(ref)s.",
                    "%(n)d tickets merged into %(ref)s.",
                    merged,
                )
                % {"n": merged, "ref": target.reference},
                messages.SUCCESS,
            )

    @admin.action(description=_("Close"))
    def close_tickets(self, request, queryset):
        count = 0
        for ticket in queryset.exclude(status=Ticket.Status.CLOSED).select_related("organization"):
            services.change_status(ticket, Ticket.Status.CLOSED, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d ticket closed.", "%d tickets closed.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "name_zh_hans", "slug", "team", "position", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "group", "calendar"]


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "time_zone", "opens_at", "closes_at", "weekdays", "country"]
    inlines = [HolidayInline]
    actions = ["load_public_holidays"]

    @admin.action(description=_("Load public holidays for this year and next"))
    def load_public_holidays(self, request, queryset):
        year = timezone.now().year
        count = sum(load_public_holidays(calendar, [year, year + 1]) for calendar in queryset)
        self.message_user(request, _("%(count)d days loaded.") % {"count": count})


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "tier",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "update_minutes",
        "calendar",
    ]
    list_editable = ["first_response_minutes", "resolution_minutes", "update_minutes", "calendar"]
    list_filter = ["tier", "priority"]
    list_select_related = ["calendar"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "body"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["ticket", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["=ticket__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
