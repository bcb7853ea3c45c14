"""Back office: rotas with "on call now" and the week ahead, pages, pager channels.

The admin collects input and calls support.oncall.paging; it writes nothing itself.
"""

from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from . import lookup, paging
from .models import Alert, Delivery, EscalationStep, Override, Page, PagerProfile, Rota, Shift


class ShiftInline(TabularInline):
    model = Shift
    extra = 0
    fields = ["role", "person", "weekdays", "starts", "ends", "time_zone"]
    autocomplete_fields = []


class OverrideInline(TabularInline):
    model = Override
    extra = 0
    fields = ["role", "person", "starts_at", "ends_at", "reason", "created_by"]
    readonly_fields = ["created_by"]

    def get_queryset(self, request):
        since = timezone.now() - lookup.WEEK
        return super().get_queryset(request).filter(ends_at__gte=since).select_related("person")


class EscalationStepInline(TabularInline):
    model = EscalationStep
    extra = 0
    fields = ["position", "kind", "team", "person", "label"]


@admin.register(Rota)
class RotaAdmin(ModelAdmin):
    list_display = ["team", "time_zone", "pages_for_alerts"]
    inlines = [ShiftInline, OverrideInline, EscalationStepInline]
    change_list_template = "admin/oncall/rota/change_list.html"

    def has_add_permission(self, request):
        return request.user.is_superuser

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "week": lookup.week_ahead(lookup.load_rotas())}
        return super().changelist_view(request, extra_context)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Override) and instance.created_by_id is None:
                instance.created_by = request.user
        formset.save()


@admin.register(PagerProfile)
class PagerProfileAdmin(ModelAdmin):
    """Each staff member keeps their own channels; superusers see everybody's."""

    list_display = ["user", "channel_count"]
    fields = ["user", "apprise_urls"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("user")
        return queryset if request.user.is_superuser else queryset.filter(user=request.user)

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["user"]

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            obj.user = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("extra channels"))
    def channel_count(self, obj):
        return len(obj.urls())


class PageInline(TabularInline):
    model = Page
    extra = 0
    fields = ["created_at", "person", "step_label", "channels"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("channels"))
    def channels(self, obj):
        parts = [gettext("email")] + [
            f"{delivery.channel} ({delivery.get_status_display()})"
            for delivery in obj.deliveries.all()
        ]
        return ", ".join(parts)


@admin.register(Alert)
class AlertAdmin(ModelAdmin):
    list_display = ["created_at", "reason", "subject", "team", "state", "acknowledged_by"]
    list_filter = ["reason", "team"]
    list_select_related = ["ticket", "incident", "team", "acknowledged_by"]
    search_fields = ["=ticket__reference"]
    inlines = [PageInline]
    actions = ["acknowledge_selected"]
    readonly_fields = [
        "reason",
        "ticket",
        "incident",
        "team",
        "created_at",
        "step",
        "next_step_at",
        "acknowledged_at",
        "acknowledged_by",
        "closed_at",
        "acknowledge_button",
    ]
    exclude = ["escalates"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("pages__deliveries")

    @admin.display(description=_("about"))
    def subject(self, obj):
        return obj.ticket or obj.incident

    @admin.display(description=_("state"))
    def state(self, obj):
        if obj.acknowledged_at:
            return gettext("Acknowledged")
        if obj.closed_at:
            return gettext("Closed")
        return gettext("Waiting for acknowledgement")

    @admin.display(description=_("acknowledge"))
    def acknowledge_button(self, obj):
        if not obj.is_open:
            return "—"
        url = reverse("admin:oncall_alert_acknowledge", args=[obj.pk])
        return format_html(
            '<a class="bo-button bo-button-primary" href="{}">{}</a>', url, gettext("Acknowledge")
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/acknowledge/",
                self.admin_site.admin_view(self.acknowledge_view),
                name="oncall_alert_acknowledge",
            )
        ] + super().get_urls()

    def acknowledge_view(self, request, pk):
        """Confirm, then acknowledge as the signed-in staff member."""
        if not self.has_view_permission(request) or not request.user.is_staff:
            raise Http404
        alert = get_object_or_404(Alert.objects.select_related("ticket", "incident"), pk=pk)
        if request.method == "POST":
            if paging.acknowledge(alert, request.user):
                self.message_user(request, gettext("Acknowledged."), messages.SUCCESS)
            else:
                self.message_user(request, gettext("It was already acknowledged."))
            if alert.ticket_id:
                return redirect("admin:tickets_ticket_change", alert.ticket_id)
            return redirect("admin:oncall_alert_change", alert.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "alert": alert,
            "title": gettext("Acknowledge this page?"),
        }
        return TemplateResponse(request, "admin/oncall/alert/acknowledge.html", context)

    @admin.action(description=_("Acknowledge the selected pages"))
    def acknowledge_selected(self, request, queryset):
        count = sum(paging.acknowledge(alert, request.user) for alert in queryset.open())
        self.message_user(
            request, gettext("%(count)d acknowledged.") % {"count": count}, messages.SUCCESS
        )


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin):
    list_display = ["pk", "channel", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    fields = ["page", "channel", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def oncall_summary(ticket):
    """List items for the ticket page: open pages with who was paged and an Acknowledge button.
    Only P0 and P1 tickets are paged, so the others cost no query."""
    items = []
    if ticket.priority not in ("P0", "P1"):
        return items
    for alert in ticket.pager_alerts.open().prefetch_related("pages__person"):
        people = ", ".join(page.person.display_name for page in alert.pages.all())
        url = reverse("admin:oncall_alert_acknowledge", args=[alert.pk])
        items.append(
            format_html(
                '<li>{}: {} · <a class="bo-button bo-button-primary" href="{}">{}</a></li>',
                alert.get_reason_display(),
                gettext("paged %(people)s, waiting for acknowledgement") % {"people": people},
                url,
                gettext("Acknowledge"),
            )
        )
    return items
