from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "support.oncall"
    label = "oncall"
    verbose_name = _("On call")

    def ready(self):
        from portal.backoffice import add_dashboard_panel, add_navigation_item
        from portal.schedules import ensure_schedule

        from . import signals  # noqa: F401 (connects the receivers)
        from .lookup import on_duty_panel

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.oncall.tasks.sweep", minutes=1),
            sender=self,
            weak=False,
        )
        post_migrate.connect(
            lambda **kwargs: ensure_schedule(
                "support.tickets.calendars.refresh_public_holidays", minutes=1440
            ),
            sender=self,
            weak=False,
        )
        add_dashboard_panel(
            "on_duty", "admin/oncall/_on_duty.html", lambda request: on_duty_panel()
        )
        for title, icon, name, query in NAVIGATION:
            add_navigation_item(
                "tickets",
                {"title": title, "icon": icon, "link": changelist_link(name, query)},
            )


NAVIGATION = [
    (_("On call"), "support_agent", "oncall_rota", ""),
    (_("Pages"), "notifications_active", "oncall_alert", ""),
    (_("My pager channels"), "phonelink_ring", "oncall_pagerprofile", ""),
]


def changelist_link(name, query):
    def link(request):
        from django.urls import reverse

        return reverse(f"admin:{name}_changelist") + query

    return link
