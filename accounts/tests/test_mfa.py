import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.cache import cache

from conftest import PASSWORD, make_user


def current_code(secret):
    counter = list(yield_hotp_counters_from_time())[0]
    return format_hotp_value(hotp_value(secret, counter))


def sign_in(client, email, password=PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


@pytest.fixture
def person_with_totp(client, db):
    user = make_user("secure@example.org")
    sign_in(client, user.email)
    page = client.get("/accounts/2fa/totp/activate/")
    assert page["Location"].startswith("/accounts/reauthenticate/")  # confirm the password first
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    client.post("/accounts/logout/")
    cache.clear()  # as if the next 30-second window had come: the code is no longer "used"
    return user, secret


def test_sign_in_with_a_totp_code(client, person_with_totp):
    user, secret = person_with_totp
    response = sign_in(client, user.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session

    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    client.post("/accounts/2fa/authenticate/", {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_in_with_a_recovery_code_once(client, person_with_totp):
    user, _secret = person_with_totp
    recovery = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(recovery).get_unused_codes()[0]

    sign_in(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert client.session["_auth_user_id"] == str(user.pk)

    client.post("/accounts/logout/")
    sign_in(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": code})
    assert "_auth_user_id" not in client.session  # a recovery code works once


def test_staff_without_mfa_are_sent_to_set_it_up_before_the_admin(client, settings, db):
    settings.STAFF_MFA_REQUIRED = True
    agent = make_user("agent@example.org", is_staff=True)
    client.force_login(agent)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_with_mfa_reach_the_admin(client, settings, db):
    settings.STAFF_MFA_REQUIRED = True
    agent = make_user("agent@example.org", is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=agent, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(agent)
    assert client.get("/admin/").status_code == 200


def test_customers_never_reach_the_admin(client, owner):
    client.force_login(owner)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
