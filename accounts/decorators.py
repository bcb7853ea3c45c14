from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def organization_required(view):
    """Signed in and working in an organisation: customer pages are scoped to it."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.organization is None:
            return render(request, "accounts/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
