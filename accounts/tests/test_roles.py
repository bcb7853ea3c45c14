from accounts.models import Membership
from conftest import make_user


def role_of(user, organization):
    return Membership.objects.get(user=user, organization=organization).role


def test_the_last_owner_cannot_be_demoted(client, owner, organization):
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    co_admin = make_user("admin@acme.example")
    Membership.objects.create(user=co_admin, organization=organization, role="owner")
    Membership.objects.filter(user=co_admin).update(role="admin")

    client.post(f"/accounts/organization/members/{mine.pk}/role/", {"role": "member"})
    assert role_of(owner, organization) == "owner"


def test_the_last_owner_cannot_leave(client, owner, organization):
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    response = client.post(f"/accounts/organization/members/{mine.pk}/remove/", follow=True)
    assert Membership.objects.filter(pk=mine.pk).exists()
    assert "at least one owner" in response.content.decode()


def test_the_only_owner_is_not_offered_leave(client, owner, organization):
    client.force_login(owner)
    page = client.get("/accounts/organization/").content.decode()
    assert "Leave Acme Corp" not in page
    assert "You are the only owner" in page


def test_a_member_is_offered_leave(client, member, organization):
    client.force_login(member)
    page = client.get("/accounts/organization/").content.decode()
    assert "Leave Acme Corp" in page


def test_an_owner_may_leave_when_another_owner_remains(client, owner, organization):
    second = make_user("second@acme.example")
    Membership.objects.create(user=second, organization=organization, role="owner")
    client.force_login(owner)
    mine = Membership.objects.get(user=owner)
    client.post(f"/accounts/organization/members/{mine.pk}/remove/")
    assert not Membership.objects.filter(pk=mine.pk).exists()


def test_owner_changes_a_role_and_removes_a_member(client, owner, member, organization):
    client.force_login(owner)
    theirs = Membership.objects.get(user=member)
    client.post(f"/accounts/organization/members/{theirs.pk}/role/", {"role": "admin"})
    assert role_of(member, organization) == "admin"
    client.post(f"/accounts/organization/members/{theirs.pk}/remove/")
    assert not Membership.objects.filter(pk=theirs.pk).exists()


def test_a_member_cannot_change_roles_or_remove_people(client, owner, member, organization):
    client.force_login(member)
    owners = Membership.objects.get(user=owner)
    client.post(f"/accounts/organization/members/{owners.pk}/role/", {"role": "member"})
    client.post(f"/accounts/organization/members/{owners.pk}/remove/")
    assert role_of(owner, organization) == "owner"


def test_an_admin_cannot_demote_an_owner(client, owner, organization):
    admin = make_user("admin@acme.example")
    Membership.objects.create(user=admin, organization=organization, role="admin")
    client.force_login(admin)
    owners = Membership.objects.get(user=owner)
    client.post(f"/accounts/organization/members/{owners.pk}/role/", {"role": "member"})
    assert role_of(owner, organization) == "owner"


def test_another_organizations_membership_answers_404(client, owner, organization, outsider):
    client.force_login(owner)
    theirs = Membership.objects.get(user=outsider)
    response = client.post(f"/accounts/organization/members/{theirs.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()
