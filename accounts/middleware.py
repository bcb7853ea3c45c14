from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class CurrentOrganizationMiddleware:
    """Sets request.membership and request.organization: where the person works right now.

    Every customer-facing query is scoped to request.organization (None for
    visitors and for people without an organisation).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        request.organization = None
        in_back_office = request.path.startswith("/admin/") and request.user.is_staff
        if request.user.is_authenticated and not in_back_office:  # the admin is not scoped
            request.memberships = list(request.user.memberships_with_organizations())
            request.membership = request.user.pick_current(request.memberships)
            if request.membership:
                request.organization = request.membership.organization
        return self.get_response(request)


class StaffMFAMiddleware:
    """With STAFF_MFA_REQUIRED, staff set up two-factor authentication before the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.STAFF_MFA_REQUIRED
            and request.path.startswith("/admin/")
            and request.user.is_authenticated
            and request.user.is_staff
            and not request.user.authenticator_set.exists()
        ):
            messages.warning(
                request, _("Set up two-factor authentication before you use the back office.")
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
