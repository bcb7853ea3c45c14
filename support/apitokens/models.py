"""One model for every machine credential.

Customers' API tokens, Alertmanager's webhook tokens, inbound-mail services' tokens and the
billing system's provisioning tokens are all `ApiToken` rows: a name, scopes, an optional
organisation and person (customer tokens act as that person, within that organisation),
who created it, an optional expiry, the last use (time and address) and revocation.

Only a SHA-256 of the secret is stored. Tokens are 32 random bytes, so a plain hash is as
safe as a slow one and lets a request find its row with one indexed lookup.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership


class Scope(models.TextChoices):
    TICKETS_READ = "tickets:read", _("Read tickets")
    TICKETS_WRITE = "tickets:write", _("Open tickets, reply, solve and reopen")
    SERVICES_READ = "services:read", _("Read services and their status")
    INCIDENTS_READ = "incidents:read", _("Read incidents and maintenance")
    KB_READ = "kb:read", _("Search the knowledge base")
    PROVISIONING = "provisioning", _("Provision organisations and services (billing system)")
    ALERTMANAGER = "alertmanager", _("Post Alertmanager alerts (incidents stay drafts)")
    ALERTMANAGER_PUBLISH = "alertmanager:publish", _("Post Alertmanager alerts, publish at once")
    INBOUND_EMAIL = "inbound:email", _("Post raw inbound email")


CUSTOMER_SCOPES = [
    Scope.TICKETS_READ,
    Scope.TICKETS_WRITE,
    Scope.SERVICES_READ,
    Scope.INCIDENTS_READ,
    Scope.KB_READ,
]
STAFF_SCOPES = [
    Scope.PROVISIONING,
    Scope.ALERTMANAGER,
    Scope.ALERTMANAGER_PUBLISH,
    Scope.INBOUND_EMAIL,
]
PREFIXES = {  # the start of a secret says what it is for, as GitHub's ghp_/gho_ do
    Scope.PROVISIONING: "prov_",
    Scope.ALERTMANAGER: "am_",
    Scope.ALERTMANAGER_PUBLISH: "am_",
    Scope.INBOUND_EMAIL: "inb_",
}
CUSTOMER_PREFIX = "hsp_"
MAX_TOKEN_LENGTH = 200
LAST_USE_PRECISION = timedelta(minutes=1)  # last use is written at most once a minute


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )

    def authenticate(self, raw, scope=None):
        """The live token whose secret is `raw` (and that has `scope`, when given), or None."""
        if not raw or len(raw) > MAX_TOKEN_LENGTH:
            return None
        token = (
            self.live()
            .select_related("user", "organization")
            .filter(token_hash=hash_token(raw))
            .first()
        )
        if token is None or (scope and not token.has_scope(scope)):
            return None
        return token

    def for_customers(self):
        return self.filter(organization__isnull=False)

    def manageable_by(self, user, membership):
        """Tokens a person may list and revoke: owners and admins all of the organisation's,
        members their own."""
        tokens = self.filter(organization_id=membership.organization_id)
        if membership.can_manage_members:
            return tokens
        return tokens.filter(user=user)


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100, help_text=_("Who or what uses it."))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    hint = models.CharField(_("starts with"), max_length=16, editable=False, blank=True)
    scopes = models.JSONField(_("scopes"), default=list)
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("Customer tokens only: the organisation whose data the token reaches."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        help_text=_("Customer tokens only: the token sees what this person may see."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(_("last used from"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="token_org_created")]

    def __str__(self):
        return self.name

    def generate(self):
        """Give this token a new secret and return it: the only time it can be read."""
        prefix = next((PREFIXES[s] for s in self.scopes if s in PREFIXES), CUSTOMER_PREFIX)
        raw = prefix + secrets.token_urlsafe(32)
        self.token_hash = hash_token(raw)
        self.hint = raw[: len(prefix) + 4]
        return raw

    def has_scope(self, scope):
        return scope in self.scopes

    @property
    def is_customer_token(self):
        return self.organization_id is not None

    @property
    def state(self):
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    def get_state_display(self):
        return {"revoked": _("Revoked"), "expired": _("Expired"), "active": _("Active")}[self.state]

    def membership(self):
        """The membership a customer token acts through now, or None (person left)."""
        if not self.is_customer_token or self.user_id is None:
            return None
        return (
            Membership.objects.select_related("organization")
            .filter(user_id=self.user_id, organization_id=self.organization_id)
            .first()
        )

    def record_use(self, address):
        """Remember when and from where the token was last used (at most once a minute)."""
        now = timezone.now()
        if (
            self.last_used_at
            and now - self.last_used_at < LAST_USE_PRECISION
            and self.last_used_ip == address
        ):
            return
        self.last_used_at, self.last_used_ip = now, address
        ApiToken.objects.filter(pk=self.pk).update(last_used_at=now, last_used_ip=address)

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])


def create_token(*, name, scopes, created_by=None, organization=None, user=None, expires_at=None):
    """Create a token and return (row, secret); the secret is never stored."""
    token = ApiToken(
        name=name,
        scopes=sorted(set(scopes)),
        organization=organization,
        user=user,
        created_by=created_by,
        expires_at=expires_at,
    )
    raw = token.generate()
    token.save()
    return token, raw
