from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import organization_required

from .forms import CustomerTokenForm
from .models import ApiToken, create_token


def token_list_context(request, form):
    tokens = (
        ApiToken.objects.manageable_by(request.user, request.membership)
        .select_related("user")
        .order_by("revoked_at", "-created_at")
    )
    return {
        "form": form,
        "tokens": tokens,
        "organization": request.organization,
        "can_manage": request.membership.can_manage_members,
    }


@organization_required
def token_list(request):
    """Owners and admins create organisation tokens and see every token of the organisation;
    members create personal tokens that see only what they may see."""
    form = CustomerTokenForm(request.POST or None)
    context = token_list_context(request, form)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "apitokens/list.html", context, status=400)
        token, raw = create_token(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            organization=request.organization,
            user=request.user,
            created_by=request.user,
            expires_at=form.expires_at(),
        )
        context.update(new_token=token, secret=raw, form=CustomerTokenForm())
        response = render(request, "apitokens/list.html", context, status=201)
        response["Cache-Control"] = "no-store, private"
        return response
    return render(request, "apitokens/list.html", context)


@organization_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(
        ApiToken.objects.manageable_by(request.user, request.membership), pk=pk
    )
    token.revoke()
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_tokens")
