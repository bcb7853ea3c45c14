from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "support.webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        from portal.schedules import ensure_schedule

        from . import signals  # noqa: F401 (connects the event receivers)

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.webhooks.tasks.deliver_due", minutes=1),
            sender=self,
            weak=False,
        )
