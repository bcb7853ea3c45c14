from django.contrib import admin
from unfold.admin import ModelAdmin, TabularInline

from .models import CreditContract, CreditStep, MonthlyMailing, ReportPreference


class CreditStepInline(TabularInline):
    model = CreditStep
    extra = 1


@admin.register(CreditContract)
class CreditContractAdmin(ModelAdmin):
    list_display = ["tier", "uptime_commitment", "p0_response_credit", "maximum_credit"]
    inlines = [CreditStepInline]


@admin.register(ReportPreference)
class ReportPreferenceAdmin(ModelAdmin):
    list_display = ["user", "opted_out", "updated_at"]
    list_filter = ["opted_out"]
    search_fields = ["user__email"]
    autocomplete_fields = ["user"]


@admin.register(MonthlyMailing)
class MonthlyMailingAdmin(ModelAdmin):
    list_display = ["month", "kind", "user", "organization", "sent_at"]
    list_filter = ["kind", "month"]
    search_fields = ["user__email", "organization__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
