from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "support.kb"
    label = "kb"
    verbose_name = _("Knowledge base")

    def ready(self):
        from portal.schedules import ensure_schedule

        from .cache import connect_signals

        connect_signals()
        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.kb.tasks.flag_stale_articles", minutes=1440),
            sender=self,
            weak=False,
        )
