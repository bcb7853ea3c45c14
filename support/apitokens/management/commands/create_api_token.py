"""Print a new API token, for operators and scripts.

    manage.py create_api_token --email EMAIL --organization "NAME" \
        --scopes tickets:read,tickets:write
    manage.py create_api_token --scopes provisioning --name "WHMCS" --created-by admin@example.com
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Membership, User
from support.apitokens.models import CUSTOMER_SCOPES, STAFF_SCOPES, create_token


class Command(BaseCommand):
    help = "Create an API token and print it (it is stored hashed and cannot be read again)."

    def add_arguments(self, parser):
        parser.add_argument("--scopes", required=True, help="Comma-separated scopes.")
        parser.add_argument("--email", help="Customer tokens: the person the token acts as.")
        parser.add_argument("--organization", help="Customer tokens: the organisation's name.")
        parser.add_argument("--name", default="", help="What uses the token.")
        parser.add_argument("--created-by", help="Staff tokens: the staff member responsible.")
        parser.add_argument("--expires-in-days", type=int, default=None)

    def handle(self, *args, **options):
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        customer = {s.value for s in CUSTOMER_SCOPES}
        staff = {s.value for s in STAFF_SCOPES}
        unknown = set(scopes) - customer - staff
        if unknown or not scopes:
            raise CommandError(
                f"Unknown scopes: {', '.join(sorted(unknown)) or '(none)'}. "
                f"Known: {', '.join(sorted(customer | staff))}."
            )
        if set(scopes) & customer and set(scopes) & staff:
            raise CommandError("Mix of customer and staff scopes: make two tokens.")
        expires_at = None
        if options["expires_in_days"]:
            expires_at = timezone.now() + timedelta(days=options["expires_in_days"])
        if set(scopes) <= customer:
            membership = self.membership(options["email"], options["organization"])
            token, raw = create_token(
                name=options["name"] or "Command line",
                scopes=scopes,
                organization=membership.organization,
                user=membership.user,
                created_by=membership.user,
                expires_at=expires_at,
            )
        else:
            creator = None
            if options["created_by"]:
                creator = User.objects.filter(
                    email__iexact=options["created_by"], is_staff=True
                ).first()
                if creator is None:
                    raise CommandError("No staff member with that email address.")
            token, raw = create_token(
                name=options["name"] or "Command line",
                scopes=scopes,
                created_by=creator,
                expires_at=expires_at,
            )
        self.stdout.write(raw)

    def membership(self, email, organization):
        if not email or not organization:
            raise CommandError("Customer tokens need --email and --organization.")
        membership = (
            Membership.objects.select_related("user", "organization")
            .filter(user__email__iexact=email, organization__name=organization)
            .first()
        )
        if membership is None:
            raise CommandError(f"{email} is not a member of {organization!r}.")
        return membership
