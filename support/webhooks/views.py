from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import organization_required

from .forms import EndpointForm
from .models import Endpoint

LOG_LENGTH = 50


def managers_only(view):
    """Webhooks see every ticket of the organisation: only owners and admins manage them."""

    @organization_required
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_manage_members:
            return render(request, "webhooks/managers_only.html", status=403)
        return view(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def endpoints_of(request):
    return Endpoint.objects.filter(organization=request.organization)


@managers_only
def endpoint_list(request):
    form = EndpointForm(request.POST or None)
    context = {"form": form, "endpoints": endpoints_of(request)}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "webhooks/list.html", context, status=400)
        endpoint = Endpoint.objects.create(
            organization=request.organization,
            url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            events=form.cleaned_data["events"],
            created_by=request.user,
        )
        context.update(new_endpoint=endpoint, form=EndpointForm())
        response = render(request, "webhooks/list.html", context, status=201)
        response["Cache-Control"] = "no-store, private"
        return response
    return render(request, "webhooks/list.html", context)


@managers_only
def endpoint_detail(request, pk):
    endpoint = get_object_or_404(endpoints_of(request), pk=pk)
    deliveries = endpoint.deliveries.order_by("-created_at", "-pk")[:LOG_LENGTH]
    return render(request, "webhooks/detail.html", {"endpoint": endpoint, "deliveries": deliveries})


@managers_only
@require_POST
def endpoint_toggle(request, pk):
    endpoint = get_object_or_404(endpoints_of(request), pk=pk)
    if endpoint.is_active:
        endpoint.is_active, endpoint.disabled_at = False, timezone.now()
        messages.success(request, _("The endpoint is disabled."))
    else:
        endpoint.is_active, endpoint.disabled_at, endpoint.failing_since = True, None, None
        messages.success(request, _("The endpoint is enabled again."))
    endpoint.save(update_fields=["is_active", "disabled_at", "failing_since"])
    return redirect("webhook_detail", pk=endpoint.pk)


@managers_only
@require_POST
def endpoint_delete(request, pk):
    endpoint = get_object_or_404(endpoints_of(request), pk=pk)
    endpoint.delete()
    messages.success(request, _("The endpoint is deleted."))
    return redirect("webhooks")
