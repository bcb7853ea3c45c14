"""Who may use an organisation's pages now: the one place that decides it for people.

An organisation's owner can require two-factor authentication (Organization.
require_two_factor): a member without it is sent to set it up first (the middleware
accounts.middleware.OrganizationTwoFactorMiddleware asks `two_factor_missing`). Which
tickets and reports a member sees is decided in support/tickets/access.py.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.db.models import Exists, OuterRef

# Enough for a second factor; recovery codes only stand in for one of these.
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def is_active_member(user, organization_id):
    """`user` is active and still a member of the organisation (links mailed to a member,
    such as survey invitations, stop working when they leave)."""
    return user.is_active and user.memberships.filter(organization_id=organization_id).exists()


def has_two_factor(user):
    """An authenticator app or a security key (passkey) is set up."""
    return is_mfa_enabled(user, SECOND_FACTORS)


def with_two_factor(user_field="user"):
    """An annotation for rows with a person: True where that person has a second factor."""
    return Exists(Authenticator.objects.filter(user=OuterRef(user_field), type__in=SECOND_FACTORS))


def two_factor_missing(user, organization):
    """The organisation requires two-factor authentication and this person has none."""
    return (
        organization is not None
        and organization.require_two_factor
        and user.is_authenticated
        and not has_two_factor(user)
    )


class TwoFactorRequiredError(Exception):
    """Only someone who uses two-factor authentication can require it of everyone."""


def require_two_factor(membership, required):
    """An owner turns the requirement on or off for their organisation."""
    from .models import Membership

    if membership.role != Membership.Role.OWNER:
        raise PermissionError("Only owners decide on two-factor authentication.")
    if required and not has_two_factor(membership.user):
        raise TwoFactorRequiredError
    organization = membership.organization
    organization.require_two_factor = required
    organization.save(update_fields=["require_two_factor"])
    return organization
