"""Invitation links: signed, scoped to one invitation, expiring after a week."""

from allauth.account.adapter import get_adapter
from django.urls import reverse
from django.utils import translation

from portal.emails import send_email
from portal.net import absolute_url
from portal.tokens import make_token, read_token

from .models import Invitation, User

SESSION_KEY = "pending_invitation"
PURPOSE = "invitation"


def invitation_token(invitation):
    return make_token(PURPOSE, {"id": invitation.pk, "email": invitation.email.lower()})


def invitation_from_token(token):
    """The pending invitation a token stands for, or None (tampered, expired, used, withdrawn)."""
    payload = read_token(PURPOSE, token, max_age=Invitation.VALID_DAYS * 24 * 3600)
    if not isinstance(payload, dict):
        return None
    return (
        Invitation.objects.pending()
        .select_related("organization", "invited_by")
        .filter(pk=payload.get("id"), email__iexact=payload.get("email", ""))
        .first()
    )


def send_invitation(invitation):
    existing = User.objects.filter(email__iexact=invitation.email).first()
    language = existing.language if existing else None
    link = absolute_url(reverse("invitation_accept", args=[invitation_token(invitation)]))
    send_email(
        "accounts/email/invitation",
        {"invitation": invitation, "link": link, "existing": existing},
        invitation.email,
        language=language or translation.get_language(),
        time_zone=existing.time_zone if existing else "UTC",
    )


def remember_pending_invitation(request, token, invitation):
    """An anonymous visitor followed an invitation: sign-up with its address needs no
    second verification, and joins the inviting organisation instead of a new one."""
    request.session[SESSION_KEY] = token
    get_adapter(request).stash_verified_email(request, invitation.email)


def pending_invitation_for(request, user):
    token = request.session.get(SESSION_KEY)
    invitation = invitation_from_token(token) if token else None
    if invitation is not None and invitation.is_for(user):
        return invitation
    return None


def arrived_with_invitation(request):
    """Whether this visitor followed a still-valid invitation link (sign-up asks no company)."""
    token = request.session.get(SESSION_KEY)
    return bool(token) and invitation_from_token(token) is not None


def forget_pending_invitation(request):
    request.session.pop(SESSION_KEY, None)
