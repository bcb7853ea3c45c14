from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin

from .backend import schedule_delivery
from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = ["subject", "recipient_list", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject", "message_id"]
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "raw"] + ["source"]
    exclude = ["raw"]

    @admin.display(description=_("recipients"))
    def recipient_list(self, obj):
        return ", ".join(obj.recipients)

    @admin.display(description=_("message source"))
    def source(self, obj):
        return bytes(obj.raw).decode("utf-8", "replace")

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry sending now"))
    def retry_now(self, request, queryset):
        count = 0
        for row in queryset.exclude(status=OutboxMessage.Status.SENT):
            row.retry()
            count += 1
        schedule_delivery()
        self.message_user(
            request,
            ngettext("%d email queued again.", "%d emails queued again.", count) % count,
            messages.SUCCESS,
        )
