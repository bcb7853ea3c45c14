from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from .access import two_factor_missing


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
            request.memberships = request.user.current_memberships()
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


# Reachable without two-factor authentication when the organisation requires it: signing in
# and out, setting it up, one's own profile and language, switching to another organisation,
# and the signed opt-out links of emails.
TWO_FACTOR_EXEMPT_PREFIXES = ("account_", "mfa_")
TWO_FACTOR_EXEMPT_NAMES = {
    "profile",
    "organization_switch",
    "invitation_accept",
    "set_language",
    "healthz",
    "favicon",
    "reports:opt_out",
    "surveys:opt_out",
}


class OrganizationTwoFactorMiddleware:
    """A member of an organisation that requires two-factor authentication sets it up first.

    Every page of the organisation (tickets, reports, services, its members page, the
    dashboard, the JSON the pages fetch) waits until the person has an authenticator app or
    a security key; what stays reachable is listed above. API tokens are not people and are
    not affected: a request with a token has no signed-in user here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if two_factor_missing(request.user, request.organization) and not exempt(request):
            return self.set_it_up_first(request)
        return self.get_response(request)

    def set_it_up_first(self, request):
        text = _(
            "%(name)s requires two-factor authentication for its members. Set up an "
            "authenticator app or a security key here; then you can use %(name)s's pages again."
        ) % {"name": request.organization.name}
        if request.path.startswith("/api/") or "application/json" in request.headers.get(
            "Accept", ""
        ):
            return JsonResponse({"detail": text}, status=403)
        messages.warning(request, text)
        return redirect(reverse("mfa_index"))


def exempt(request):
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        return True  # the 404 page shows nothing of the organisation
    return name.startswith(TWO_FACTOR_EXEMPT_PREFIXES) or name in TWO_FACTOR_EXEMPT_NAMES
