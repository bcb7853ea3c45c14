"""The acknowledge link in a page: GET shows what it is about, POST acknowledges.

The signed link names the alert and the person paged, so the on-call phone
needs no sign-in at 3 a.m.; it shows the ticket's summary only, never the
conversation. POST is CSRF-protected like every form.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from . import paging


@require_http_methods(["GET", "POST"])
def acknowledge(request, token):
    found = paging.read_ack_token(token)
    if found is None:
        return render(request, "oncall/invalid_link.html", status=404)
    alert, person = found
    if not person.is_active or not person.is_staff:
        raise Http404
    if request.method == "POST":
        paging.acknowledge(alert, person)
        return redirect("oncall:acknowledge", token=token)
    alert.refresh_from_db()
    return render(
        request,
        "oncall/acknowledge.html",
        {"alert": alert, "person": person, "ticket": alert.ticket, "incident": alert.incident},
    )
