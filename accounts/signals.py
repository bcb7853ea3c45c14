from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from .invitations import forget_pending_invitation, pending_invitation_for
from .models import Membership, start_organization


@receiver(user_signed_up)
def give_new_person_an_organization(sender, request, user, **kwargs):
    """Join the organisation that invited them; the sign-up form started the company's own
    otherwise (a personal one only for a sign-up that asked no company)."""
    invitation = pending_invitation_for(request, user) if request is not None else None
    if invitation is not None:
        membership = invitation.accept(user)
        forget_pending_invitation(request)
        user.current_organization = membership.organization
        user.save(update_fields=["current_organization"])
    elif not Membership.objects.filter(user=user).exists():
        start_organization(user, user.full_name or user.email)
