from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin

from .forms import AdminTokenForm
from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(ModelAdmin):
    form = AdminTokenForm
    list_display = ["name", "hint", "scope_list", "organization", "state", "last_used_at"]
    list_filter = [
        ("organization", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["name", "hint", "organization__name", "user__email"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization", "user"]
    readonly_fields = [
        "hint",
        "created_by",
        "created_at",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        fields = ["name", "scopes", "organization", "user", "expires_at"]
        if obj is None:
            return fields
        return fields + self.readonly_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, "scopes", "organization", "user"]

    @admin.display(description=_("scopes"))
    def scope_list(self, token):
        return ", ".join(token.scopes)

    @admin.display(description=_("state"))
    def state(self, token):
        return token.get_state_display()

    def save_model(self, request, obj, form, change):
        raw = None
        if not change:
            obj.created_by = request.user
            raw = obj.generate()
        super().save_model(request, obj, form, change)
        if raw:
            self.message_user(
                request,
                format_html(
                    "{} <code>{}</code>",
                    gettext("Copy this token now: it is stored hashed and shown only once."),
                    raw,
                ),
                messages.WARNING,
            )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoke()
            count += 1
        self.message_user(request, gettext("%(count)d revoked.") % {"count": count})
