from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from .models import Invitation, Membership, Organization, Service, User


class MembershipInline(TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class ServiceInline(TabularInline):
    model = Service
    extra = 0


class InvitationInline(TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "role", "invited_by", "created_at", "accepted_at"]
    readonly_fields = ["invited_by", "created_at", "accepted_at"]


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(BaseGroupAdmin, ModelAdmin):
    pass


@admin.register(User)
class UserAdmin(BaseUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "language", "time_zone", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "language"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal details"), {"fields": ["full_name", "language", "time_zone"]}),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]
    inlines = [MembershipInline]


@admin.register(Organization)
class OrganizationAdmin(ModelAdmin):
    list_display = [
        "name",
        "tier",
        "account_manager",
        "member_count",
        "require_two_factor",
        "created_at",
    ]
    list_filter = ["tier", "account_manager", "require_two_factor"]
    search_fields = ["name", "memberships__user__email", "services__name"]
    autocomplete_fields = ["account_manager"]
    inlines = [MembershipInline, ServiceInline, InvitationInline]
    date_hierarchy = "created_at"
    readonly_fields = ["reports"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("account_manager")
            .annotate(member_total=Count("memberships", distinct=True))
        )

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total

    @admin.display(description=_("reports"))
    def reports(self, obj):
        if obj.pk is None:
            return "—"
        query = f"?organization={obj.pk}"
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("staff_reports:sla") + query,
            _("SLA attainment"),
            reverse("staff_reports:volume") + query,
            _("Volume and backlog"),
            reverse("staff_reports:credits"),
            _("SLA credits"),
        )


@admin.register(Service)
class ServiceAdmin(ModelAdmin):
    list_display = ["name", "kind", "organization", "region", "identifier"]
    list_filter = ["kind", "region", "organization__tier"]
    search_fields = ["name", "identifier", "organization__name"]
    list_select_related = ["organization"]
    autocomplete_fields = ["organization"]


@admin.register(Membership)
class MembershipAdmin(ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__tier"]
    search_fields = ["user__email", "organization__name"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]
