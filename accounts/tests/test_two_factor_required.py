"""An owner requires two-factor authentication of Acme's members.

Olivia (owner) turns it on; Max (member, no second factor) is sent to set one up before any
of Acme's pages and can still sign out; once he has an authenticator app he goes through.
Otto's organisation, Globex, is not affected; neither are API tokens.
"""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.messages import get_messages

from support.api.tests.conftest import bearer
from support.apitokens.models import CUSTOMER_SCOPES, create_token


def give_totp(user):
    TOTP.activate(user, generate_totp_secret())


@pytest.fixture
def required(client, owner, organization):
    """Olivia, who uses an authenticator app, turns the requirement on."""
    give_totp(owner)
    client.force_login(owner)
    response = client.post("/accounts/organization/two-factor/", {"require_two_factor": "on"})
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.require_two_factor
    client.logout()
    return organization


def test_an_owner_without_two_factor_cannot_require_it(client, owner, organization):
    client.force_login(owner)
    page = client.get("/accounts/organization/").content.decode()
    assert "first <a" in page and 'name="require_two_factor"' not in page

    response = client.post(
        "/accounts/organization/two-factor/", {"require_two_factor": "on"}, follow=True
    )
    organization.refresh_from_db()
    assert not organization.require_two_factor
    assert "Set up two-factor authentication for yourself" in response.content.decode()


def test_a_member_cannot_change_it(client, member, organization):
    give_totp(member)
    client.force_login(member)
    page = client.get("/accounts/organization/").content.decode()
    assert 'name="require_two_factor"' not in page
    client.post("/accounts/organization/two-factor/", {"require_two_factor": "on"})
    organization.refresh_from_db()
    assert not organization.require_two_factor


def test_the_owner_sees_who_has_two_factor(client, owner, member, required):
    client.force_login(owner)
    page = client.get("/accounts/organization/").content.decode()
    assert "requires two-factor authentication" in page
    assert page.count('badge badge-ok">On') == 1  # Olivia
    assert page.count('badge badge-muted">Off') == 1  # Max


@pytest.mark.parametrize(
    "path", ["/", "/tickets/", "/tickets/new/", "/reports/", "/accounts/organization/"]
)
def test_a_member_without_two_factor_is_sent_to_set_it_up(client, member, required, path):
    client.force_login(member)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Acme Corp requires two-factor authentication" in message


def test_the_explanation_is_in_the_members_language(client, member, required):
    member.language = "zh-hans"
    member.save(update_fields=["language"])
    client.force_login(member)
    page = client.get("/tickets/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/2fa/"
    text = page.content.decode()
    assert "Acme Corp 要求" in text and "requires" not in text


def test_set_up_and_sign_out_stay_reachable(client, member, required):
    client.force_login(member)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/profile/").status_code == 200
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup.status_code in (200, 302)
    assert "/accounts/organization" not in setup.get("Location", "")
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_a_member_with_totp_goes_through(client, member, required, ticket):
    give_totp(member)
    client.force_login(member)
    assert client.get("/tickets/").status_code == 200
    assert client.get("/").status_code == 200


def test_a_security_key_counts_as_two_factor(client, member, required):
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.WEBAUTHN, data={"name": "YubiKey"}
    )
    client.force_login(member)
    assert client.get("/tickets/").status_code == 200


def test_recovery_codes_alone_do_not_count(client, member, required):
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "00"}
    )
    client.force_login(member)
    assert client.get("/tickets/")["Location"] == "/accounts/2fa/"


def test_other_organisations_are_not_affected(client, outsider, required):
    client.force_login(outsider)
    assert client.get("/tickets/").status_code == 200
    assert client.get("/accounts/organization/").status_code == 200


def test_json_asked_by_the_page_answers_403_with_the_reason(client, member, required):
    client.force_login(member)
    response = client.get("/api/v1/tickets/", HTTP_ACCEPT="application/json")
    assert response.status_code == 403
    assert "requires two-factor authentication" in response.json()["detail"]


def test_api_tokens_are_not_affected(member, required, ticket):
    _token, raw = create_token(
        name="monitoring",
        scopes=[scope.value for scope in CUSTOMER_SCOPES],
        organization=required,
        user=member,
        created_by=member,
    )
    response = bearer(raw).get("/api/v1/tickets/")
    assert response.status_code == 200


def test_staff_change_it_in_the_back_office(client, admin_user, organization):
    client.force_login(admin_user)
    page = client.get(f"/admin/accounts/organization/{organization.pk}/change/")
    assert 'name="require_two_factor"' in page.content.decode()
