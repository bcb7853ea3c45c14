from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "support.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self):
        from portal.schedules import ensure_schedule

        from . import signals  # noqa: F401

        post_migrate.connect(
            lambda **kwargs: ensure_schedule("support.surveys.tasks.send_due_campaigns", minutes=5),
            sender=self,
            weak=False,
        )
