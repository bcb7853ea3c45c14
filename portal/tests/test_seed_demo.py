from io import StringIO

from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from accounts.models import Membership, Organization, User

SKIPPED = {"sessions", "admin", "django_q", "contenttypes", "auth"}


def snapshot():
    """Every row of every model the demo touches, serialised."""
    models = [m for m in apps.get_models() if m._meta.app_label not in SKIPPED]
    return {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in models
    }


def test_seed_demo_twice_leaves_the_same_data(db, send_queued_mail):
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first
    assert send_queued_mail() == []  # demo data sends no email


def test_seed_demo_has_the_documented_logins(db):
    call_command("seed_demo", stdout=StringIO())
    acme = Organization.objects.get(name="Acme Corp")
    assert acme.tier == "enterprise"
    assert acme.account_manager.email == "engineer@example.com"
    assert Organization.objects.get(name="Globex").tier == "standard"
    for email in [
        "customer@example.com",
        "colleague@example.com",
        "other@example.net",
        "agent@example.com",
        "engineer@example.com",
        "admin@example.com",
    ]:
        user = User.objects.get(email=email)
        assert user.check_password("portal-demo")
        assert user.emailaddress_set.get().verified
    assert Membership.objects.get(user__email="customer@example.com").role == "owner"
    assert Membership.objects.get(user__email="colleague@example.com").role == "member"
    assert User.objects.get(email="agent@example.com").groups.get().name == "Support agents"
    assert User.objects.get(email="engineer@example.com").groups.get().name == "Support engineers"
    assert User.objects.get(email="admin@example.com").is_superuser
