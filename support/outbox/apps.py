from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    name = "support.outbox"
    label = "outbox"
    verbose_name = _("Outgoing email")

    def ready(self):
        from portal.schedules import ensure_schedule

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.outbox.tasks.deliver_pending", minutes=1),
            sender=self,
            weak=False,
        )
