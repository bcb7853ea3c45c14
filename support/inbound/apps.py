from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "support.inbound"
    label = "inbound"
    verbose_name = _("Inbound email")

    def ready(self):
        from portal.schedules import ensure_schedule

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.inbound.tasks.poll_imap", minutes=1),
            sender=self,
            weak=False,
        )
