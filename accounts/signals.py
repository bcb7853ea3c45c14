from allauth.account.signals import user_signed_up
from django.dispatch import receiver

from .invitations import forget_pending_invitation, pending_invitation_for
from .models import Membership, Organization


@receiver(user_signed_up)
def give_new_person_an_organization(sender, request, user, **kwargs):
    """Join the organisation that invited them, or create a personal one."""
    invitation = pending_invitation_for(request, user) if request is not None else None
    if invitation is not None:
        membership = invitation.accept(user)
        forget_pending_invitation(request)
    else:
        organization = Organization.objects.create(name=user.full_name or user.email)
        membership = Membership.objects.create(
            user=user, organization=organization, role=Membership.Role.OWNER
        )
    user.current_organization = membership.organization
    user.save(update_fields=["current_organization"])
