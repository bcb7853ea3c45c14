import re

from django import forms
from django.contrib import admin, messages
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.widgets import (
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from support.tickets import incidents as linked
from support.tickets.admin import SLA_LABELS
from support.tickets.models import Ticket

from .models import (
    CLOSED_STATUSES,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Component,
    ComponentGroup,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentTemplate,
    IncidentUpdate,
    NoticePreference,
    Subscriber,
)


@admin.register(ComponentGroup)
class ComponentGroupAdmin(ModelAdmin):
    list_display = ["name", "name_zh_hans", "order", "is_visible"]
    list_editable = ["order", "is_visible"]


@admin.register(Component)
class ComponentAdmin(ModelAdmin):
    list_display = ["name", "name_zh_hans", "group", "status", "order", "is_visible", "show_uptime"]
    list_editable = ["order", "is_visible", "show_uptime"]
    list_filter = ["group", "status", "is_visible"]
    search_fields = ["name", "name_zh_hans", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["services"]


class IncidentAdminForm(forms.ModelForm):
    """The incident itself, plus "post an update", which moves every status in one step."""

    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=IncidentTemplate.objects.all(),
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("Fills an empty title, message and status from the template."),
    )
    update_status = forms.ChoiceField(
        label=_("New status"),
        choices=[("", "---------"), *IncidentStatus.choices],
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    update_body = forms.CharField(
        label=_("Update message"),
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 5}),
        required=False,
        help_text=_("Markdown. Leave empty to save without posting an update."),
    )
    update_body_zh_hans = forms.CharField(
        label=_("Update message (Chinese)"),
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 5}),
        required=False,
        help_text=_("Markdown. Optional: readers of Chinese see the English message without it."),
    )
    component_status = forms.ChoiceField(
        label=_("Set affected components to"),
        choices=[("", _("Leave unchanged")), *ComponentStatus.choices],
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("Resolving or completing brings them back to operational anyway."),
    )
    notify_subscribers = forms.BooleanField(
        label=_("Notify subscribers"),
        required=False,
        help_text=_("Email the subscribers of the affected components."),
    )
    notify_customers = forms.BooleanField(
        label=_("Notify affected customers"),
        required=False,
        initial=True,
        help_text=_(
            "Email the people of the organisations whose services run on the affected "
            "components. Opening, resolving, and maintenance being scheduled, starting and "
            "ending always do."
        ),
    )

    post_to_tickets = forms.BooleanField(
        label=_("Also post this update to the linked open tickets"),
        required=False,
        help_text=_("A public reply on each, in the requester's language where the update has it."),
    )
    solve_tickets = forms.BooleanField(
        label=_("Solve the linked tickets with this message"),
        required=False,
        help_text=_(
            "With an update that resolves the incident (or completes the maintenance): posted "
            "to each linked open ticket, which is then solved. Customers can reopen by replying."
        ),
    )
    link_references = forms.CharField(
        label=_("Link tickets"),
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "K7F-3QX9, …"}),
        help_text=_("Ticket references, separated by spaces or commas."),
    )
    unlink_tickets = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.none(), required=False, widget=forms.MultipleHiddenInput
    )

    class Meta:
        model = Incident
        fields = [
            "kind",
            "name",
            "name_zh_hans",
            "impact",
            "components",
            "is_published",
            "is_private",
            "scheduled_for",
            "scheduled_until",
            "postmortem",
            "postmortem_zh_hans",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False  # a template may give it; clean() requires it
        if self.instance._state.adding:
            self.fields["notify_subscribers"].initial = True
            self.open_tickets = 0
        else:
            self.open_tickets = linked.open_linked_tickets(self.instance).count()
            self.fields["unlink_tickets"].queryset = Ticket.objects.filter(incident=self.instance)
        if not self.open_tickets:
            self.fields["post_to_tickets"].disabled = True
            self.fields["solve_tickets"].disabled = True
        self.fields["post_to_tickets"].label = ngettext(
            "Also post this update to the %(count)d linked open ticket",
            "Also post this update to the %(count)d linked open tickets",
            self.open_tickets,
        ) % {"count": self.open_tickets}

    def clean_link_references(self):
        text = self.cleaned_data.get("link_references", "").upper()
        references = list(dict.fromkeys(re.findall(r"[A-Z0-9]{3}-[A-Z0-9]{4,5}", text)))
        if text.strip() and not references:
            raise forms.ValidationError(_("Enter ticket references such as K7F-3QX9."))
        tickets = list(Ticket.objects.filter(reference__in=references).select_related("incident"))
        missing = set(references) - {ticket.reference for ticket in tickets}
        if missing:
            raise forms.ValidationError(
                _("No ticket has the reference %(references)s.")
                % {"references": ", ".join(sorted(missing))}
            )
        return tickets

    def clean(self):
        data = super().clean()
        template = data.get("template")
        if template:
            data["name"] = data.get("name") or template.title
            data["name_zh_hans"] = data.get("name_zh_hans") or template.title_zh_hans
            data["update_body"] = data.get("update_body") or template.body
            data["update_body_zh_hans"] = data.get("update_body_zh_hans") or template.body_zh_hans
            data["update_status"] = data.get("update_status") or template.status
        if not data.get("name"):
            self.add_error("name", forms.Field.default_error_messages["required"])
        kind = data.get("kind")
        status = data.get("update_status")
        if data.get("update_body") and not status:
            self.add_error("update_status", _("Choose the status this update announces."))
        if status and not data.get("update_body"):
            self.add_error("update_body", _("Write what the update says."))
        if self.instance._state.adding and not data.get("update_body"):
            self.add_error("update_body", _("A new incident or maintenance needs a first update."))
        allowed = MAINTENANCE_STATUSES if kind == Incident.Kind.MAINTENANCE else INCIDENT_STATUSES
        if status and status not in allowed:
            self.add_error("update_status", _("This status is not used for this kind."))
        if data.get("solve_tickets") and status not in CLOSED_STATUSES:
            self.add_error(
                "solve_tickets", _("Tickets are solved with the update that resolves the incident.")
            )
        wants_tickets = data.get("post_to_tickets") or data.get("solve_tickets")
        if wants_tickets and not data.get("update_body"):
            self.add_error("post_to_tickets", _("Write the update to post to the tickets."))
        if wants_tickets and not data.get("is_published"):
            self.add_error(
                "post_to_tickets", _("Publish the incident before posting to its tickets.")
            )
        if kind == Incident.Kind.MAINTENANCE and not (
            data.get("scheduled_for") and data.get("scheduled_until")
        ):
            self.add_error("scheduled_for", _("Maintenance needs a start and an end."))
        return data


class IncidentUpdateInline(TabularInline):
    model = IncidentUpdate
    extra = 0
    fields = [
        "status",
        "body",
        "body_zh_hans",
        "display_at",
        "notify_subscribers",
        "notified_at",
        "customers_notified_at",
    ]
    readonly_fields = ["status", "notify_subscribers", "notified_at", "customers_notified_at"]
    verbose_name_plural = _("Posted updates (fix typos here; post new ones above)")

    def has_add_permission(self, request, obj=None):
        return False


def with_translation_state(incidents):
    """Annotate lacks_chinese: the title, an update or the post-mortem has no Chinese text."""
    untranslated = IncidentUpdate.objects.filter(incident=OuterRef("pk"), body_zh_hans="")
    lacks = (
        Q(name_zh_hans="") | (~Q(postmortem="") & Q(postmortem_zh_hans="")) | Exists(untranslated)
    )
    return incidents.annotate(lacks_chinese=ExpressionWrapper(lacks, output_field=BooleanField()))


class TranslationFilter(admin.SimpleListFilter):
    title = _("Chinese translation")
    parameter_name = "chinese"

    def lookups(self, request, model_admin):
        return [("missing", _("Missing")), ("complete", _("Complete"))]

    def queryset(self, request, queryset):
        if self.value() in ("missing", "complete"):
            return queryset.filter(lacks_chinese=self.value() == "missing")
        return queryset


@admin.register(Incident)
class IncidentAdmin(ModelAdmin):
    form = IncidentAdminForm
    list_display = [
        "name",
        "kind",
        "status",
        "impact",
        "is_published",
        "is_private",
        "has_chinese",
        "started_at",
    ]
    list_filter = ["kind", "status", "impact", "is_published", "is_private", TranslationFilter]
    search_fields = ["name", "name_zh_hans"]
    date_hierarchy = "started_at"
    filter_horizontal = ["components"]
    inlines = [IncidentUpdateInline]
    actions = ["publish_drafts"]
    readonly_fields = ["status", "started_at", "resolved_at", "sequence", "linked_ticket_list"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "name",
                    "name_zh_hans",
                    "impact",
                    "components",
                    "is_published",
                    "is_private",
                    "status",
                ]
            },
        ),
        (
            _("Post an update"),
            {
                "fields": [
                    "template",
                    "update_status",
                    "update_body",
                    "update_body_zh_hans",
                    "component_status",
                    "notify_subscribers",
                    "notify_customers",
                    "post_to_tickets",
                    "solve_tickets",
                ]
            },
        ),
        (_("Linked tickets"), {"fields": ["linked_ticket_list", "link_references"]}),
        (_("Maintenance window"), {"fields": ["scheduled_for", "scheduled_until", "sequence"]}),
        (
            _("Post-mortem"),
            {"fields": ["postmortem", "postmortem_zh_hans"], "classes": ["collapse"]},
        ),
        (_("Times"), {"fields": ["started_at", "resolved_at"]}),
    ]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.status = form.cleaned_data.get("update_status") or obj.status
        super().save_model(request, obj, form, change)

    def get_fieldsets(self, request, obj=None):
        """A new incident has no tickets yet: nothing to link or post to."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        ticket_fields = {
            "post_to_tickets",
            "solve_tickets",
            "linked_ticket_list",
            "link_references",
        }
        shown = []
        for name, options in fieldsets:
            fields = [field for field in options["fields"] if field not in ticket_fields]
            if fields:
                shown.append((name, {**options, "fields": fields}))
        return shown

    @admin.display(description=_("Now linked"))
    def linked_ticket_list(self, obj):
        """Each linked ticket with its state, and a box to unlink it."""
        if obj is None or obj.pk is None:
            return "—"
        tickets = list(linked.linked_tickets(obj))
        if not tickets:
            return gettext("No tickets are linked to this incident.")
        now = timezone.now()
        rows = []
        for ticket in tickets:
            state = ticket.sla_state(now)
            rows.append({"ticket": ticket, "sla": state, "sla_label": SLA_LABELS.get(state, "")})
        return render_to_string("admin/status/incident/linked_tickets.html", {"rows": rows})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        data = form.cleaned_data
        incident = form.instance
        self._change_links(request, incident, data)
        if not data.get("update_body"):
            return
        new_status = data.get("component_status")
        statuses = dict.fromkeys(incident.components.all(), new_status) if new_status else None
        update = incident.post_update(
            data["update_status"],
            data["update_body"],
            statuses,
            body_zh_hans=data.get("update_body_zh_hans", ""),
            notify=data.get("notify_subscribers", False),
            notify_customers=data.get("notify_customers", False),
            author=request.user,
        )
        messages.success(request, gettext("The update is posted."))
        if data.get("post_to_tickets") or data.get("solve_tickets"):
            ids = list(linked.open_linked_tickets(incident).values_list("pk", flat=True))
            linked.queue_update_for_tickets(
                update, ids, author=request.user, solve=bool(data.get("solve_tickets"))
            )
            text = (
                ngettext(
                    "It is being posted to %(count)d linked ticket, which is then solved.",
                    "It is being posted to %(count)d linked tickets, which are then solved.",
                    len(ids),
                )
                if data.get("solve_tickets")
                else ngettext(
                    "It is being posted to %(count)d linked ticket.",
                    "It is being posted to %(count)d linked tickets.",
                    len(ids),
                )
            )
            messages.success(request, text % {"count": len(ids)})

    def _change_links(self, request, incident, data):
        """Tickets linked by reference and unlinked with their boxes, each through the ticket
        services (a timeline entry on each)."""
        added = linked.link(incident, data.get("link_references") or [], by=request.user)
        removed = linked.unlink(incident, data.get("unlink_tickets") or [], by=request.user)
        if added:
            messages.success(
                request,
                ngettext("%(count)d ticket linked.", "%(count)d tickets linked.", added)
                % {"count": added},
            )
        if removed:
            messages.success(
                request,
                ngettext("%(count)d ticket unlinked.", "%(count)d tickets unlinked.", removed)
                % {"count": removed},
            )

    def get_queryset(self, request):
        return with_translation_state(super().get_queryset(request))

    @admin.display(description=_("Chinese"), boolean=True, ordering="lacks_chinese")
    def has_chinese(self, obj):
        return not obj.lacks_chinese

    @admin.action(description=_("Publish the selected drafts"))
    def publish_drafts(self, request, queryset):
        drafts = list(queryset.filter(is_published=False))
        for incident in drafts:
            incident.publish()
        messages.success(request, gettext("%(count)d published.") % {"count": len(drafts)})


@admin.register(IncidentTemplate)
class IncidentTemplateAdmin(ModelAdmin):
    list_display = ["name", "kind", "status", "has_chinese"]

    @admin.display(description=_("Chinese"), boolean=True)
    def has_chinese(self, obj):
        return bool(obj.body_zh_hans and (obj.title_zh_hans or not obj.title))

    list_filter = ["kind"]


@admin.register(Subscriber)
class SubscriberAdmin(ModelAdmin):
    list_display = ["email", "language", "confirmed_at", "created_at"]
    list_filter = ["language", ("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    filter_horizontal = ["components"]


@admin.register(NoticePreference)
class NoticePreferenceAdmin(ModelAdmin):
    list_display = ["user", "wants_notices", "updated_at"]
    list_filter = ["wants_notices"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]
