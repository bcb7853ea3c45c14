from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "support.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from portal.schedules import ensure_schedule

        from .navigation import register

        register()

        post_migrate.connect(
            lambda **kwargs: ensure_schedule(
                "support.reports.tasks.send_monthly_reports", minutes=60
            ),
            sender=self,
            weak=False,
        )
