"""Demo people, organisations and services (see the README for the logins)."""

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from .models import Membership, Organization, Service, User
from .staff_groups import AGENTS, ENGINEERS

PASSWORD = "portal-demo"

PEOPLE = [
    # email, full name, language, time zone, staff, superuser, group
    ("customer@example.com", "Carla Customer", "en", "Europe/Berlin", False, False, None),
    ("colleague@example.com", "Chen Wei", "zh-hans", "Asia/Shanghai", False, False, None),
    ("other@example.net", "Oscar Other", "en", "America/New_York", False, False, None),
    ("agent@example.com", "Alex Agent", "en", "Europe/London", True, False, AGENTS),
    ("engineer@example.com", "Erin Engineer", "en", "Europe/Amsterdam", True, False, ENGINEERS),
    ("admin@example.com", "Ada Admin", "en", "UTC", True, True, None),
]

ORGANIZATIONS = [
    # name, tier, account manager
    ("Acme Corp", Organization.Tier.ENTERPRISE, "engineer@example.com"),
    ("Globex", Organization.Tier.STANDARD, None),
]

MEMBERSHIPS = [
    ("customer@example.com", "Acme Corp", Membership.Role.OWNER),
    ("colleague@example.com", "Acme Corp", Membership.Role.MEMBER),
    ("other@example.net", "Globex", Membership.Role.OWNER),
]

SERVICES = [
    # organisation, name, kind, region, identifier
    ("Acme Corp", "web01.acme.example", Service.Kind.DEDICATED, "Frankfurt FRA1", "DED-10231"),
    ("Acme Corp", "shop.acme.example", Service.Kind.SHARED, "Frankfurt FRA1", "SH-55102"),
    ("Acme Corp", "vps-eu-7.acme.example", Service.Kind.VPS, "Amsterdam AMS2", "VPS-88412"),
    ("Acme Corp", "acme.example", Service.Kind.DOMAIN, "", "DOM-acme.example"),
    ("Acme Corp", "mail.acme.example", Service.Kind.EMAIL, "Frankfurt FRA1", "MX-2207"),
    ("Globex", "globex.example", Service.Kind.SHARED, "Amsterdam AMS2", "SH-60317"),
    ("Globex", "globex.example (domain)", Service.Kind.DOMAIN, "", "DOM-globex.example"),
    ("Globex", "cdn.globex.example", Service.Kind.CDN, "Global", "CDN-4410"),
]


def seed(stdout=None):
    people = {}
    for email, name, language, zone, staff, superuser, group in PEOPLE:
        user, created = User.objects.get_or_create(
            email=email,
            defaults={
                "full_name": name,
                "language": language,
                "time_zone": zone,
                "is_staff": staff,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if group:
            user.groups.add(Group.objects.get(name=group))
        people[email] = user

    organizations = {}
    for name, tier, manager in ORGANIZATIONS:
        organization, _created = Organization.objects.get_or_create(
            name=name, defaults={"tier": tier, "account_manager": people.get(manager)}
        )
        organizations[name] = organization

    for email, org_name, role in MEMBERSHIPS:
        Membership.objects.get_or_create(
            user=people[email], organization=organizations[org_name], defaults={"role": role}
        )
        user = people[email]
        if user.current_organization_id is None:
            user.current_organization = organizations[org_name]
            user.save(update_fields=["current_organization"])

    for org_name, name, kind, region, identifier in SERVICES:
        Service.objects.get_or_create(
            organization=organizations[org_name],
            name=name,
            defaults={"kind": kind, "region": region, "identifier": identifier},
        )
    if stdout:
        stdout.write(f"  people: {len(people)}, organisations: {len(organizations)}")
