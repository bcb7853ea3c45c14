from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.db import MAX_ID
from portal.views import set_language_cookie

from .access import TwoFactorRequiredError, has_two_factor, require_two_factor, with_two_factor
from .decorators import organization_required
from .forms import InvitationForm, ProfileForm, RoleForm
from .invitations import (
    arrived_with_invitation,
    invitation_from_token,
    remember_pending_invitation,
    send_invitation,
)
from .models import Invitation, LastOwnerError, Membership, change_role, remove_membership
from .signup import SignupForm


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, _("Your profile has been saved."))
        return set_language_cookie(redirect("profile"), user.language)
    return render(request, "accounts/profile.html", {"form": form})


def _posted_id(request, name):
    """The id posted as `name`, or None when it can't be one (not a number, out of range)."""
    value = request.POST.get(name, "")
    if not value.isdecimal() or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


@login_required
@require_POST
def switch_organization(request):
    organization_id = _posted_id(request, "organization")
    if organization_id is None:
        raise Http404
    membership = get_object_or_404(
        request.user.memberships.select_related("organization"), organization_id=organization_id
    )
    request.user.current_organization = membership.organization
    request.user.save(update_fields=["current_organization"])
    messages.success(
        request, _("You are now working in %(name)s.") % {"name": membership.organization.name}
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("home")
    return redirect(target)


@organization_required
def members(request):
    organization = request.organization
    can_manage = request.membership.can_manage_members
    memberships = list(
        organization.memberships.select_related("user")
        .annotate(two_factor=with_two_factor())
        .order_by("role", "user__email")
    )
    owners = sum(membership.role == Membership.Role.OWNER for membership in memberships)
    only_owner = request.membership.role == Membership.Role.OWNER and owners <= 1
    context = {
        "only_owner": only_owner,
        "organization": organization,
        "memberships": memberships,
        "can_manage": can_manage,
        "invitations": organization.invitations.pending() if can_manage else [],
        "invite_form": InvitationForm(membership=request.membership) if can_manage else None,
        "role_form": RoleForm(membership=request.membership) if can_manage else None,
        "services": organization.services.all(),
        "is_owner": request.membership.role == Membership.Role.OWNER,
        "owner_has_two_factor": has_two_factor(request.user),
    }
    return render(request, "accounts/members.html", context)


@organization_required
@require_POST
def organization_two_factor(request):
    """An owner requires two-factor authentication of every member, or stops requiring it."""
    required = request.POST.get("require_two_factor") == "on"
    try:
        require_two_factor(request.membership, required)
    except PermissionError:
        messages.error(request, _("Only owners decide on two-factor authentication."))
    except TwoFactorRequiredError:
        messages.error(
            request,
            _("Set up two-factor authentication for yourself before you require it of others."),
        )
    else:
        if required:
            messages.success(
                request,
                _("Members now set up two-factor authentication before they use %(name)s.")
                % {"name": request.organization.name},
            )
        else:
            messages.success(request, _("Two-factor authentication is no longer required."))
    return redirect("organization_members")


def _require_manager(request):
    if not request.membership.can_manage_members:
        messages.error(request, _("Only owners and admins can manage members."))
        return redirect("organization_members")
    return None


@organization_required
@require_POST
def invite(request):
    refusal = _require_manager(request)
    if refusal:
        return refusal
    form = InvitationForm(request.POST, membership=request.membership)
    if not form.is_valid():
        return render(
            request,
            "accounts/invite.html",
            {"invite_form": form, "organization": request.organization},
            status=400,
        )
    invitation = Invitation.objects.create(
        organization=request.organization,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
    )
    send_invitation(invitation)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    return redirect("organization_members")


@organization_required
@require_POST
def cancel_invitation(request, pk):
    refusal = _require_manager(request)
    if refusal:
        return refusal
    invitation = get_object_or_404(request.organization.invitations.pending(), pk=pk)
    invitation.delete()
    messages.success(request, _("The invitation has been withdrawn."))
    return redirect("organization_members")


@organization_required
@require_POST
def change_member_role(request, pk):
    refusal = _require_manager(request)
    if refusal:
        return refusal
    membership = get_object_or_404(request.organization.memberships, pk=pk)
    form = RoleForm(request.POST, membership=request.membership)
    owner_involved = Membership.Role.OWNER in (membership.role, request.POST.get("role"))
    if not form.is_valid() or (owner_involved and request.membership.role != "owner"):
        messages.error(request, _("You can't give that role."))
        return redirect("organization_members")
    try:
        change_role(membership, form.cleaned_data["role"])
    except LastOwnerError:
        messages.error(request, _("An organisation needs at least one owner."))
    else:
        messages.success(request, _("The role has been changed."))
    return redirect("organization_members")


@organization_required
@require_POST
def remove_member(request, pk):
    membership = get_object_or_404(request.organization.memberships.select_related("user"), pk=pk)
    leaving = membership.pk == request.membership.pk
    if not leaving:
        refusal = _require_manager(request)
        if refusal:
            return refusal
        if membership.role == Membership.Role.OWNER and request.membership.role != "owner":
            messages.error(request, _("Only owners can remove an owner."))
            return redirect("organization_members")
    try:
        remove_membership(membership)
    except LastOwnerError:
        messages.error(
            request,
            _("An organisation needs at least one owner. Make someone else an owner first."),
        )
        return redirect("organization_members")
    if leaving:
        messages.success(
            request, _("You have left %(name)s.") % {"name": request.organization.name}
        )
        return redirect("home")
    messages.success(
        request, _("%(person)s has been removed.") % {"person": membership.user.display_name}
    )
    return redirect("organization_members")


def accept_invitation(request, token):
    invitation = invitation_from_token(token)
    if invitation is None:
        raise Http404(_("This invitation is no longer valid."))
    context = {"invitation": invitation, "token": token}
    if not request.user.is_authenticated:
        remember_pending_invitation(request, token, invitation)
        return render(request, "accounts/invitation.html", context)
    if not invitation.is_for(request.user):
        context["wrong_person"] = True
        return render(request, "accounts/invitation.html", context, status=403)
    if request.method == "POST":
        membership = invitation.accept(request.user)
        request.user.current_organization = membership.organization
        request.user.save(update_fields=["current_organization"])
        messages.success(
            request, _("Welcome to %(name)s.") % {"name": invitation.organization.name}
        )
        return redirect("home")
    return render(request, "accounts/invitation.html", context)


class SignupView(AllauthSignupView):
    """allauth's sign-up, asking for the company unless an invitation says which one."""

    form_class = SignupForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "invited": arrived_with_invitation(self.request)}


signup = SignupView.as_view()
