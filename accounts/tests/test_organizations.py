import pytest

from accounts.models import Membership, Organization, Service
from conftest import make_organization


def test_switching_organizations_is_remembered(client, owner, organization):
    other = make_organization("Initech", Organization.Tier.ENTERPRISE, member=owner)
    Service.objects.create(organization=other, name="initech-web", kind="vps")
    Service.objects.create(organization=organization, name="acme-web", kind="vps")
    client.force_login(owner)

    page = client.get("/").content.decode()
    assert "acme-web" in page and "initech-web" not in page

    response = client.post("/accounts/organization/switch/", {"organization": other.pk})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "initech-web" in page and "acme-web" not in page

    owner.refresh_from_db()
    assert owner.current_organization == other  # remembered across sessions and devices


def test_one_cannot_switch_into_an_organization_one_is_not_in(client, owner, organization):
    stranger = make_organization("Umbrella")
    client.force_login(owner)
    response = client.post("/accounts/organization/switch/", {"organization": stranger.pk})
    assert response.status_code == 404
    owner.refresh_from_db()
    assert owner.current_organization != stranger


def test_switch_redirects_only_to_this_site(client, owner, organization):
    client.force_login(owner)
    response = client.post(
        "/accounts/organization/switch/",
        {"organization": organization.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == "/"


def test_members_page_lists_only_this_organizations_people(client, owner, organization, outsider):
    client.force_login(owner)
    page = client.get("/accounts/organization/").content.decode()
    assert "member@acme.example" in page
    assert outsider.email not in page


def test_without_an_organization_customer_pages_say_what_to_do(client, db):
    from conftest import make_user

    loner = make_user("loner@example.org")
    client.force_login(loner)
    response = client.get("/accounts/organization/")
    assert response.status_code == 403
    assert "invite you" in response.content.decode()
    assert not Membership.objects.filter(user=loner).exists()


def test_services_are_listed_without_a_stray_separator(client, owner, organization):
    from accounts.models import Service

    Service.objects.create(
        organization=organization, name="web01.acme.example", kind="dedicated", region="FRA1"
    )
    client.force_login(owner)
    page = client.get("/accounts/organization/").content.decode()
    assert '<small class="muted">Dedicated server · FRA1</small>' in page


@pytest.mark.parametrize("value", ["99999999999999999999999", "-1", "abc", "1.5", ""])
def test_switching_to_a_malformed_organization_is_404(client, owner, organization, value):
    client.force_login(owner)
    response = client.post("/accounts/organization/switch/", {"organization": value})
    assert response.status_code == 404
    owner.refresh_from_db()
    assert owner.current_organization in (None, organization)
