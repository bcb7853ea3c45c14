"""The reports in the back office's sidebar ("Reports" group), for the staff who may read them."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from portal.backoffice import add_navigation_item

PAGES = [
    ("sla", _("SLA attainment"), "verified", False),
    ("volume", _("Volume and backlog"), "stacked_bar_chart", False),
    ("problems", _("Frequent problems"), "troubleshoot", False),
    ("agents", _("Workload"), "groups", False),
    ("credits", _("SLA credits"), "payments", True),
]


def may_read(all_tickets):
    def check(request):
        from .scope import StaffScope

        scope = StaffScope.of(request)
        return scope.sees_all if all_tickets else scope.may_read

    return check


def may_edit_contracts(request):
    return request.user.is_active and request.user.has_perm("reports.view_creditcontract")


def register():
    for slug, title, icon, all_tickets in PAGES:
        add_navigation_item(
            "reports",
            {
                "title": title,
                "icon": icon,
                "link": reverse_lazy(f"staff_reports:{slug}"),
                "permission": may_read(all_tickets),
            },
        )
    add_navigation_item(
        "reports",
        {
            "title": _("SLA credit contracts"),
            "icon": "handshake",
            "link": reverse_lazy("admin:reports_creditcontract_changelist"),
            "permission": may_edit_contracts,
        },
    )
