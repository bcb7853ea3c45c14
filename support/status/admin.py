from django import forms
from django.contrib import admin, messages
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from .models import (
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
        help_text=_("Fills an empty message (and status) from the template."),
    )
    update_status = forms.ChoiceField(
        label=_("New status"), choices=[("", "---------"), *IncidentStatus.choices], required=False
    )
    update_body = forms.CharField(
        label=_("Update message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Markdown. Leave empty to save without posting an update."),
    )
    update_body_zh_hans = forms.CharField(
        label=_("Update message (Chinese)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("Markdown. Optional: readers of Chinese see the English message without it."),
    )
    component_status = forms.ChoiceField(
        label=_("Set affected components to"),
        choices=[("", _("Leave unchanged")), *ComponentStatus.choices],
        required=False,
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
        if self.instance._state.adding:
            self.fields["notify_subscribers"].initial = True

    def clean(self):
        data = super().clean()
        template = data.get("template")
        if template:
            data["update_body"] = data.get("update_body") or template.body
            data["update_body_zh_hans"] = data.get("update_body_zh_hans") or template.body_zh_hans
            data["update_status"] = data.get("update_status") or template.status
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
    readonly_fields = ["status", "started_at", "resolved_at", "sequence"]
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
                ]
            },
        ),
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

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        data = form.cleaned_data
        if not data.get("update_body"):
            return
        incident = form.instance
        new_status = data.get("component_status")
        statuses = dict.fromkeys(incident.components.all(), new_status) if new_status else None
        incident.post_update(
            data["update_status"],
            data["update_body"],
            statuses,
            body_zh_hans=data.get("update_body_zh_hans", ""),
            notify=data.get("notify_subscribers", False),
            notify_customers=data.get("notify_customers", False),
            author=request.user,
        )
        messages.success(request, gettext("The update is posted."))

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
