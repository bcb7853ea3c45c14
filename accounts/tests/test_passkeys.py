"""Passkeys (WebAuthn) as a second factor, in Chromium with its virtual authenticator.

Sam adds a security key named "Laptop", sees it listed, renames it, signs out and in again
with it (no code typed), and removes it — under the portal's Content-Security-Policy, which
the browser must not report broken on any of these pages.
"""

import pytest
from allauth.mfa.models import Authenticator

from accounts.tests.test_two_factor_required import give_totp
from conftest import PASSWORD, make_user, sign_in_with_browser
from portal.tests.test_csp import watched_page  # noqa: F401  (the fixture)


def test_passkeys_belong_to_the_portals_own_address(client, db, settings):
    """The relying party is SITE_URL's host, whatever Host the request names."""
    settings.SITE_URL = "https://support.example.com"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    user = make_user("sam@example.org")
    client.force_login(user)
    from allauth.core import context

    from accounts.adapter import MFAAdapter

    request = client.get("/", HTTP_HOST="evil.example").wsgi_request
    with context.request_context(request):
        entity = MFAAdapter().get_public_key_credential_rp_entity()
    assert entity == {"id": "support.example.com", "name": settings.SITE_NAME}


def test_the_two_factor_page_offers_security_keys(client, db):
    user = make_user("sam@example.org")
    client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    page = client.get("/accounts/2fa/").content.decode()
    assert "Security Keys" in page and "/accounts/2fa/webauthn/add/" in page
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    response = client.get("/accounts/2fa/webauthn/add/")
    assert response.status_code == 200
    add = response.content.decode()
    assert "/static/mfa/js/webauthn" in add and 'type="application/json"' in add
    assert "<script>" not in add  # nothing inline that the CSP would have to allow


def confirm_password_if_asked(page):
    """Adding or removing a key asks for the password again unless it was just given."""
    page.wait_for_load_state()
    if "/accounts/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.locator("form:has(input[name=password]) [type=submit]").click()


@pytest.mark.browser
def test_add_name_use_and_remove_a_passkey(watched_page, live_server, settings):  # noqa: F811
    settings.SITE_URL = live_server.url  # http://localhost:<port>, a secure context
    # The test server serves static files from the apps' folders, under their plain names:
    # the scripts must load for the key to be added.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = watched_page
    user = make_user("sam@example.org", full_name="Sam Secure")

    authenticator = page.context.new_cdp_session(page)
    authenticator.send("WebAuthn.enable")
    authenticator.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    sign_in_with_browser(page, user.email)
    page.goto("/accounts/2fa/")
    page.get_by_role("link", name="Add", exact=True).click()
    confirm_password_if_asked(page)
    page.wait_for_url("**/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Laptop")
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    key = Authenticator.objects.get(user=user, type=Authenticator.Type.WEBAUTHN)
    assert key.wrap().name == "Laptop"
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    page.goto("/accounts/2fa/webauthn/")
    assert page.get_by_text("Laptop").is_visible()
    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("Name").fill("Work laptop")
    page.locator("form:has(input[name=name]) [type=submit]").click()
    page.wait_for_url("**/accounts/2fa/webauthn/")
    assert page.get_by_text("Work laptop").is_visible()

    page.context.clear_cookies()  # a new visit, signed out
    sign_in_with_browser(page, user.email)
    assert "/accounts/2fa/authenticate/" in page.url
    page.get_by_role("button", name="Use a security key").click()
    page.wait_for_url(lambda url: "/accounts/2fa/authenticate/" not in url)
    page.goto("/accounts/profile/")
    assert "/accounts/login/" not in page.url  # signed in with the passkey
    key.refresh_from_db()
    assert key.last_used_at is not None

    page.goto("/accounts/2fa/webauthn/")
    page.get_by_role("link", name="Remove", exact=True).click()
    confirm_password_if_asked(page)
    page.wait_for_url("**/remove/")
    page.locator("form [type=submit]", has_text="Remove").last.click()
    page.wait_for_url("**/accounts/2fa/webauthn/")
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()
    assert page.problems == []


def test_a_member_with_only_a_passkey_goes_through_an_organisation_that_requires_2fa(
    client, member, organization, owner
):
    give_totp(owner)
    organization.require_two_factor = True
    organization.save()
    client.force_login(member)
    assert client.get("/tickets/")["Location"] == "/accounts/2fa/"
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.WEBAUTHN, data={"name": "Phone"}
    )
    assert client.get("/tickets/").status_code == 200
