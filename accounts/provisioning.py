"""What a billing system (WHMCS and the like) may do through the provisioning API: keep
organisations and their services in step with its own records, and invite the first owner.
Every function is idempotent: calling it again with the same values changes nothing."""

from django.db import transaction

from .invitations import send_invitation
from .models import Invitation, Membership, Organization, Service, User


class ProvisioningError(Exception):
    """Input the billing system must fix; `field` names what is wrong."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def put_organization(external_id, *, name, tier, account_manager_email=None):
    """Create or update the organisation the billing system knows as `external_id`.
    Returns (organisation, created)."""
    manager = None
    if account_manager_email:
        manager = User.objects.filter(email__iexact=account_manager_email, is_staff=True).first()
        if manager is None:
            raise ProvisioningError("account_manager_email", "No staff member has this address.")
    with transaction.atomic():
        organization, created = Organization.objects.select_for_update().get_or_create(
            external_id=external_id,
            defaults={"name": name, "tier": tier, "account_manager": manager},
        )
        if not created:
            changed = {"name": name, "tier": tier, "account_manager": manager}
            if any(getattr(organization, key) != value for key, value in changed.items()):
                for key, value in changed.items():
                    setattr(organization, key, value)
                organization.save(update_fields=["name", "tier", "account_manager"])
    return organization, created


def put_service(organization, external_id, *, name, kind, region="", identifier="", active=True):
    """Create or update one of the organisation's services. Returns (service, created)."""
    values = {
        "name": name,
        "kind": kind,
        "region": region,
        "identifier": identifier,
        "is_active": active,
    }
    with transaction.atomic():
        service, created = Service.objects.select_for_update().get_or_create(
            organization=organization, external_id=external_id, defaults=values
        )
        if not created and any(getattr(service, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(service, key, value)
            service.save(update_fields=list(values))
    return service, created


def invite_owner(organization, email, *, role=Membership.Role.OWNER, invited_by=None):
    """Invite someone (by default as an owner). A person already in the organisation, or
    already invited, is left as they are: returns (invitation or None, state)."""
    if organization.memberships.filter(user__email__iexact=email).exists():
        return None, "member"
    pending = organization.invitations.pending().filter(email__iexact=email).first()
    if pending is not None:
        return pending, "invited"
    invitation = Invitation.objects.create(
        organization=organization, email=email, role=role, invited_by=invited_by
    )
    send_invitation(invitation)
    return invitation, "created"
