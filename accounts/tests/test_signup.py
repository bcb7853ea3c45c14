import re

from allauth.account.models import EmailAddress

from accounts.models import Membership, User

SIGNUP = {
    "email": "new.person@example.org",
    "full_name": "Nora New",
    "company": "Nora's Bakery Ltd",
    "time_zone": "Asia/Shanghai",
    "password1": "correct-Horse-battery-9",
    "password2": "correct-Horse-battery-9",
}


def confirmation_link(message):
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/", message.body).group(0)


def test_sign_up_verify_by_link_then_sign_in(client, db, send_queued_mail):
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"

    user = User.objects.get(email="new.person@example.org")
    assert user.full_name == "Nora New"
    assert user.time_zone == "Asia/Shanghai"
    assert not EmailAddress.objects.get(user=user).verified

    # Unverified people cannot sign in yet.
    client.logout()
    response = client.post(
        "/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert "_auth_user_id" not in client.session

    [message] = [m for m in send_queued_mail() if "new.person@example.org" in m.to]
    link = confirmation_link(message)
    assert link.startswith("https://support.example.com/")  # SITE_URL, not the Host header
    path = link.removeprefix("https://support.example.com")

    page = client.get(path)  # a mail scanner opening the link verifies nothing
    assert page.status_code == 200
    assert not EmailAddress.objects.get(user=user).verified

    client.post(path)
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(
        "/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_asks_for_the_company_and_creates_it_with_the_person_as_owner(client, db):
    assert 'name="company"' in client.get("/accounts/signup/").content.decode()
    client.post("/accounts/signup/", SIGNUP)
    user = User.objects.get(email="new.person@example.org")
    membership = Membership.objects.get(user=user)
    assert membership.role == Membership.Role.OWNER
    assert membership.organization.name == "Nora's Bakery Ltd"
    assert user.current_organization == membership.organization


def test_sign_up_without_a_company_is_refused(client, db):
    response = client.post("/accounts/signup/", {**SIGNUP, "company": " "})
    assert response.status_code == 200
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_the_verification_email_is_the_portals_own(client, db, send_queued_mail, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    client.post("/accounts/signup/", SIGNUP, HTTP_HOST="127.0.0.1:8101")
    [message] = send_queued_mail()
    assert "Hello from" not in message.body and "127.0.0.1" not in message.body
    assert settings.SITE_NAME in message.body
    assert settings.SITE_URL + "/accounts/confirm-email/" in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and settings.SITE_NAME in html
    assert f'href="{settings.SITE_URL}/accounts/confirm-email/' in html


def test_sign_up_in_chinese_keeps_chinese_as_the_preference(client, db, send_queued_mail):
    client.cookies["django_language"] = "zh-hans"
    client.post("/accounts/signup/", SIGNUP)
    user = User.objects.get(email="new.person@example.org")
    assert user.language == "zh-hans"
    [message] = send_queued_mail()
    assert "确认" in message.subject or "验证" in message.subject
    assert "您好" in message.body and "Hello" not in message.body
