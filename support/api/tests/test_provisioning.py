import re

import pytest

from accounts.models import Invitation, Membership, Organization, User
from support.apitokens.models import create_token

from .conftest import bearer

pytestmark = pytest.mark.django_db
ORG = "/api/v1/provisioning/organizations/1042/"


@pytest.fixture
def billing(db):
    _token, raw = create_token(name="WHMCS", scopes=["provisioning"])
    return bearer(raw)


def test_put_organization_and_service_are_idempotent(billing, engineer):
    body = {"name": "Acme Corp", "tier": "enterprise", "account_manager_email": engineer.email}
    first = billing.put(ORG, body, format="json")
    assert first.status_code == 201, first.json()
    again = billing.put(ORG, body, format="json")
    assert again.status_code == 200 and again.json() == first.json()
    organization = Organization.objects.get()
    assert (organization.external_id, organization.account_manager) == ("1042", engineer)
    assert billing.put(ORG, {**body, "tier": "business"}, format="json").json()["tier"] == (
        "business"
    )

    service = {"name": "Shop", "type": "shared", "region": "fra1", "identifier": "web-1"}
    created = billing.put(ORG + "services/svc-9/", service, format="json")
    assert created.status_code == 201
    assert billing.put(ORG + "services/svc-9/", service, format="json").status_code == 200
    stopped = billing.put(ORG + "services/svc-9/", {**service, "active": False}, format="json")
    assert stopped.json()["active"] is False
    assert organization.services.get().is_active is False
    assert Organization.objects.count() == 1 and organization.services.count() == 1


def test_unknown_staff_address_is_a_field_error(billing):
    response = billing.put(
        ORG,
        {"name": "Acme", "tier": "standard", "account_manager_email": "nobody@example.com"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/account_manager_email"


def test_invite_the_first_owner_once(billing, send_queued_mail, client):
    billing.put(ORG, {"name": "Acme Corp", "tier": "standard"}, format="json")
    url = ORG + "invitations/"
    first = billing.post(url, {"email": "it@acme.example"}, format="json")
    assert first.status_code == 201 and first.json()["state"] == "created"
    again = billing.post(url, {"email": "it@acme.example"}, format="json")
    assert again.status_code == 200 and again.json()["state"] == "invited"
    [message] = send_queued_mail()
    assert Invitation.objects.get().role == Membership.Role.OWNER

    path = re.search(r"https?://[^/\s]+(/accounts/invitations/[^\s\"<]+/)", message.body)[1]
    client.get(path)
    client.post(
        "/accounts/signup/",
        {
            "email": "it@acme.example",
            "full_name": "Ivy IT",
            "time_zone": "UTC",
            "password1": "correct-Horse-battery-9",
            "password2": "correct-Horse-battery-9",
        },
    )
    person = User.objects.get(email="it@acme.example")
    assert person.memberships.get().role == Membership.Role.OWNER
    member = billing.post(url, {"email": "it@acme.example"}, format="json")
    assert member.json()["state"] == "member"


def test_customer_tokens_cannot_provision(owner_api):
    response = owner_api.put(ORG, {"name": "Mine", "tier": "enterprise"}, format="json")
    assert response.status_code == 403
    assert not Organization.objects.filter(external_id="1042").exists()


def test_services_of_unknown_organisations_are_404(billing):
    response = billing.put(ORG + "services/x/", {"name": "S", "type": "vps"}, format="json")
    assert response.status_code == 404


def test_signup_by_invitation_only(settings, client):
    settings.SIGNUP_MODE = "invitation"
    page = client.get("/accounts/signup/")
    assert "closed" in page.content.decode().lower()
    client.post(
        "/accounts/signup/",
        {
            "email": "walk-in@example.com",
            "full_name": "Walk In",
            "company": "Walk In Ltd",
            "time_zone": "UTC",
            "password1": "correct-Horse-battery-9",
            "password2": "correct-Horse-battery-9",
        },
    )
    assert not User.objects.filter(email="walk-in@example.com").exists()
    settings.SIGNUP_MODE = "open"
    client.post(
        "/accounts/signup/",
        {
            "email": "walk-in@example.com",
            "full_name": "Walk In",
            "company": "Walk In Ltd",
            "time_zone": "UTC",
            "password1": "correct-Horse-battery-9",
            "password2": "correct-Horse-battery-9",
        },
    )
    assert User.objects.filter(email="walk-in@example.com").exists()
