from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class StatusConfig(AppConfig):
    name = "support.status"
    label = "status"
    verbose_name = _("System status")

    def ready(self):
        from portal.dashboard import PANEL_PROVIDERS
        from portal.schedules import ensure_schedule

        from .cache import connect_signals
        from .views import known_issues_panel

        connect_signals()
        if known_issues_panel not in PANEL_PROVIDERS:
            PANEL_PROVIDERS.append(known_issues_panel)
        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.status.tasks.advance_maintenance", minutes=1),
            sender=self,
            weak=False,
        )
