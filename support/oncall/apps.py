from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "support.oncall"
    label = "oncall"
    verbose_name = _("On call")

    def ready(self):
        from portal.schedules import ensure_schedule

        from . import signals  # noqa: F401 (connects the receivers)

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.oncall.tasks.sweep", minutes=1),
            sender=self,
            weak=False,
        )
