import re

import pytest

from accounts.invitations import invitation_token
from accounts.models import Invitation, Membership, User
from conftest import make_user


def invite(client, email, role="member"):
    return client.post("/accounts/organization/invite/", {"email": email, "role": role})


def invitation_path(message):
    pattern = r"https://support\.example\.com(/accounts/invitations/[^\s\"<]+/)"
    link = re.search(pattern, message.body)
    return link.group(1)


def test_owner_invites_a_new_person_who_signs_up_and_joins(
    client, owner, organization, send_queued_mail
):
    client.force_login(owner)
    response = invite(client, "newbie@acme.example")
    assert response.status_code == 302
    [message] = send_queued_mail()
    assert message.to == ["newbie@acme.example"]
    assert "Acme Corp" in message.subject
    path = invitation_path(message)

    client.logout()
    page = client.get(path)
    assert page.status_code == 200
    assert "Join Acme Corp" in page.content.decode()
    assert 'name="company"' not in client.get("/accounts/signup/").content.decode()

    client.post(
        "/accounts/signup/",
        {
            "email": "newbie@acme.example",
            "full_name": "Nina Newbie",
            "time_zone": "UTC",
            "password1": "correct-Horse-battery-9",
            "password2": "correct-Horse-battery-9",
        },
    )
    newbie = User.objects.get(email="newbie@acme.example")
    membership = Membership.objects.get(user=newbie)
    assert membership.organization == organization
    assert membership.role == Membership.Role.MEMBER
    # The invitation proved the address: no second verification, no personal organisation.
    assert newbie.emailaddress_set.get().verified
    assert newbie.memberships.count() == 1
    assert Invitation.objects.get().accepted_at is not None


def test_an_existing_person_signs_in_and_accepts(client, owner, organization, outsider):
    client.force_login(owner)
    invite(client, outsider.email, role="admin")
    invitation = Invitation.objects.get()
    path = f"/accounts/invitations/{invitation_token(invitation)}/"

    client.logout()
    client.force_login(outsider)
    page = client.get(path)
    assert "Accept invitation" in page.content.decode()
    assert not Membership.objects.filter(user=outsider, organization=organization).exists()

    response = client.post(path)
    assert response.status_code == 302
    membership = Membership.objects.get(user=outsider, organization=organization)
    assert membership.role == Membership.Role.ADMIN
    outsider.refresh_from_db()
    assert outsider.current_organization == organization
    assert outsider.memberships.count() == 2


def test_an_invitation_cannot_be_accepted_by_someone_else(client, owner, organization, outsider):
    invitation = Invitation.objects.create(
        organization=organization, email="someone@else.example", invited_by=owner
    )
    client.force_login(outsider)
    path = f"/accounts/invitations/{invitation_token(invitation)}/"
    assert client.post(path).status_code == 403
    assert not Membership.objects.filter(user=outsider, organization=organization).exists()


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "not-a-token"])
def test_a_tampered_invitation_link_is_refused(client, owner, organization, outsider, mangle):
    invitation = Invitation.objects.create(
        organization=organization, email=outsider.email, invited_by=owner
    )
    client.force_login(outsider)
    path = f"/accounts/invitations/{mangle(invitation_token(invitation))}/"
    assert client.post(path).status_code == 404
    assert not Membership.objects.filter(user=outsider, organization=organization).exists()


def test_an_expired_invitation_is_refused(client, owner, organization, outsider, settings):
    invitation = Invitation.objects.create(
        organization=organization, email=outsider.email, invited_by=owner
    )
    token = invitation_token(invitation)
    client.force_login(outsider)
    from unittest import mock

    import django.core.signing

    later = django.core.signing.time.time() + 8 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.post(f"/accounts/invitations/{token}/").status_code == 404


def test_a_member_cannot_invite(client, member, organization, send_queued_mail):
    client.force_login(member)
    response = invite(client, "friend@acme.example")
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert send_queued_mail() == []


def test_an_admin_cannot_invite_an_owner(client, organization):
    admin = make_user("admin@acme.example")
    Membership.objects.create(user=admin, organization=organization, role="admin")
    client.force_login(admin)
    response = invite(client, "boss@acme.example", role="owner")
    assert response.status_code == 400
    assert not Invitation.objects.exists()
