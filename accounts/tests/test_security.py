from django.test import Client

from conftest import PASSWORD


def test_changing_the_password_ends_every_other_session(db, owner, send_queued_mail):
    this_browser, other_browser = Client(), Client()
    for browser in (this_browser, other_browser):
        browser.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
        assert browser.get("/accounts/profile/").status_code == 200

    this_browser.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "new-Secret-pass-42",
            "password2": "new-Secret-pass-42",
        },
    )
    assert this_browser.get("/accounts/profile/").status_code == 200
    assert other_browser.get("/accounts/profile/").status_code == 302  # signed out

    notices = [m for m in send_queued_mail() if m.to == [owner.email]]
    assert notices, "a security notice about the password change is emailed"


def test_state_changes_need_a_csrf_token(db, owner, organization):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = browser.post("/i18n/setlang/", {"language": "zh-hans"})
    assert response.status_code == 403
