from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "support.tickets"
    label = "tickets"
    verbose_name = _("Support tickets")

    def ready(self):
        from portal.dashboard import PANEL_PROVIDERS
        from portal.schedules import ensure_schedule

        from .cache import connect_signals
        from .views import dashboard_panel

        connect_signals()

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.tickets.tasks.sweep", minutes=1),
            sender=self,
            weak=False,
        )
        post_migrate.connect(  # emails whose task was lost: written within a minute
            lambda **kwargs: ensure_schedule("support.tickets.notify.send_pending", minutes=1),
            sender=self,
            weak=False,
        )
        if dashboard_panel not in PANEL_PROVIDERS:
            PANEL_PROVIDERS.append(dashboard_panel)
