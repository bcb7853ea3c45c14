from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from . import checks  # noqa: F401
        from .backoffice import connect_signals, headers_once_per_list

        headers_once_per_list()
        connect_signals()


class BackOfficeAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the back office's site (unfold's, lighter per request)."""

    default = False
    default_site = "portal.backoffice.BackOfficeSite"
