from django.contrib import admin
from unfold.admin import ModelAdmin

from .models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(ModelAdmin):
    list_display = ["url", "organization", "is_active", "failing_since", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__name"]
    list_select_related = ["organization"]
    exclude = ["secret"]
    readonly_fields = ["organization", "created_by", "created_at", "failing_since", "disabled_at"]


@admin.register(Delivery)
class DeliveryAdmin(ModelAdmin):
    list_display = [
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    readonly_fields = [field.name for field in Delivery._meta.fields]
