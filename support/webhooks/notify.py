from django.urls import reverse

from accounts.models import Membership
from portal.emails import send_email_to_user
from portal.net import absolute_url


def endpoint_disabled(endpoint):
    """Tell the organisation's owners (in their language) that an endpoint was disabled."""
    owners = Membership.objects.filter(
        organization_id=endpoint.organization_id, role=Membership.Role.OWNER
    ).select_related("user", "organization")
    link = absolute_url(reverse("webhook_detail", args=[endpoint.pk]))
    for membership in owners:
        send_email_to_user(
            membership.user,
            "webhooks/email/disabled",
            {"endpoint": endpoint, "organization": membership.organization, "link": link},
        )
