import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LANGUAGE_CHOICES = [("en", "English"), ("zh-hans", "简体中文")]


def time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Choose a time zone from the list."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a customer in one or more organisations, or a member of staff."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=LANGUAGE_CHOICES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Staff work in the back office; customers never reach it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    current_organization = models.ForeignKey(
        "Organization",
        verbose_name=_("current organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The organisation this person last worked in; also their default one."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["email"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return self.full_name or self.email.split("@")[0]

    @property
    def first_name(self):
        """For greetings and placeholders such as {first_name} in canned responses."""
        return (self.full_name.split() or [self.display_name])[0]

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.first_name

    def memberships_with_organizations(self):
        return self.memberships.select_related("organization").order_by("organization__name")

    def current_memberships(self):
        """memberships_with_organizations() as a list: as read with the person at the start
        of the request (accounts/backends.py), else queried now."""
        read = self.__dict__.get("memberships_read")
        return read if read is not None else list(self.memberships_with_organizations())

    def pick_current(self, memberships):
        """The membership of the organisation this person works in now (or their first one)."""
        for membership in memberships:
            if membership.organization_id == self.current_organization_id:
                return membership
        return memberships[0] if memberships else None

    def default_membership(self):
        return self.pick_current(list(self.memberships_with_organizations()))

    @property
    def default_organization(self):
        membership = self.default_membership()
        return membership.organization if membership else None


class Organization(models.Model):
    """A customer account: usually a company, shared by several people."""

    class Tier(models.TextChoices):
        STANDARD = "standard", _("Standard")
        BUSINESS = "business", _("Business")
        ENTERPRISE = "enterprise", _("Enterprise")

    name = models.CharField(_("name"), max_length=200)
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices, default=Tier.STANDARD)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_organizations",
        limit_choices_to={"is_staff": True},
    )
    members_see_reports = models.BooleanField(
        _("members may read the monthly service reports"),
        default=False,
        help_text=_("Owners and admins always may; an owner decides for the other members."),
    )
    require_two_factor = models.BooleanField(
        _("members must use two-factor authentication"),
        default=False,
        help_text=_(
            "Members without an authenticator app or a security key are sent to set one up "
            "before they can use this organisation's pages. API tokens are not affected."
        ),
    )
    external_id = models.CharField(
        _("billing system id"),
        max_length=100,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Set by the billing system through the provisioning API."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="organizations"
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["tier"])]

    def __str__(self):
        return self.name


class MembershipQuerySet(models.QuerySet):
    def managers(self):
        """Owners and admins: the people who may invite, change roles and remove members."""
        return self.filter(role__in=Membership.MANAGING_ROLES)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    MANAGING_ROLES = (Role.OWNER, Role.ADMIN)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("joined"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]
        ordering = ["organization__name"]

    def __str__(self):
        return f"{self.user} — {self.organization} ({self.get_role_display()})"

    @property
    def can_manage_members(self):
        return self.role in self.MANAGING_ROLES


def start_organization(user, name):
    """A new organisation with `user` as its owner, and the one they work in."""
    with transaction.atomic():
        organization = Organization.objects.create(name=name.strip())
        membership = Membership.objects.create(
            user=user, organization=organization, role=Membership.Role.OWNER
        )
        user.current_organization = organization
        user.save(update_fields=["current_organization"])
    return membership


class LastOwnerError(Exception):
    """An organisation can never lose its last owner."""


def _lock_owner_count(membership):
    """Lock the organisation's owners (and this membership) and count the owners."""
    Membership.objects.select_for_update().filter(pk=membership.pk).exists()
    owners = Membership.objects.select_for_update().filter(
        organization_id=membership.organization_id, role=Membership.Role.OWNER
    )
    return len(list(owners.values_list("pk", flat=True)))


def change_role(membership, new_role):
    with transaction.atomic():
        membership.refresh_from_db(fields=["role"])
        owners = _lock_owner_count(membership)
        if membership.role == Membership.Role.OWNER and new_role != membership.role and owners <= 1:
            raise LastOwnerError
        membership.role = new_role
        membership.save(update_fields=["role"])
    return membership


def remove_membership(membership):
    with transaction.atomic():
        membership.refresh_from_db(fields=["role"])
        owners = _lock_owner_count(membership)
        if membership.role == Membership.Role.OWNER and owners <= 1:
            raise LastOwnerError
        membership.delete()


class ServiceQuerySet(models.QuerySet):
    def visible_to(self, user, membership):
        """Every member of an organisation sees its services; nobody else does."""
        if membership is None or membership.user_id != user.pk:
            return self.none()
        return self.filter(organization_id=membership.organization_id)


class Service(models.Model):
    """A hosting product an organisation has; tickets and incidents point at services."""

    class Kind(models.TextChoices):
        SHARED = "shared", _("Shared hosting")
        VPS = "vps", _("VPS")
        DEDICATED = "dedicated", _("Dedicated server")
        DOMAIN = "domain", _("Domain")
        EMAIL = "email", _("Email")
        CDN = "cdn", _("CDN")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("region or data centre"), max_length=100, blank=True)
    identifier = models.CharField(_("identifier"), max_length=100, blank=True)
    external_id = models.CharField(
        _("billing system id"),
        max_length=100,
        null=True,
        blank=True,
        help_text=_("Set by the billing system through the provisioning API."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive services can't be chosen on new tickets.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"], name="one_service_per_external_id"
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("services:detail", args=[self.pk])


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True)


class Invitation(models.Model):
    """An owner's or admin's invitation for a colleague to join the organisation."""

    VALID_DAYS = 7

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(
        _("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organization}"

    @property
    def expires_at(self):
        return self.created_at + timezone.timedelta(days=self.VALID_DAYS)

    def is_for(self, user):
        """An invitation is scoped to its address: only that address's owner may accept it."""
        if user.email.lower() == self.email.lower():
            return True
        return user.emailaddress_set.filter(email__iexact=self.email, verified=True).exists()

    def accept(self, user):
        """Join the organisation; accepting twice is harmless."""
        with transaction.atomic():
            membership, _created = Membership.objects.get_or_create(
                user=user, organization=self.organization, defaults={"role": self.role}
            )
            if self.accepted_at is None:
                self.accepted_at = timezone.now()
                self.save(update_fields=["accepted_at"])
        return membership
