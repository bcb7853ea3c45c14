"""The signed-in person is read with their memberships and organisations in one query
(accounts/backends.py), and the pages see the same memberships as before."""

import pytest
from django.contrib.auth.backends import ModelBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import StaffGroupsBackend
from accounts.models import Organization, User
from conftest import make_organization

pytestmark = pytest.mark.django_db


def read(user):
    with CaptureQueriesContext(connection) as queries:
        person = StaffGroupsBackend().get_user(user.pk)
        memberships = person.current_memberships() if person else None
    return person, memberships, len(queries)


def test_a_person_comes_with_their_memberships_in_one_query(owner, organization):
    make_organization("Zeta Hosting", admin=owner)
    make_organization("Aardvark Ltd", member=owner)
    person, memberships, queries = read(owner)
    assert queries == 1
    assert person == owner and person.email == owner.email
    expected = list(
        ModelBackend().get_user(owner.pk).memberships_with_organizations()
    )  # as before: by organisation name
    assert [(m.pk, m.role, m.organization.name) for m in memberships] == [
        (m.pk, m.role, m.organization.name) for m in expected
    ]
    assert [m.organization.name for m in memberships] == [
        "Aardvark Ltd",
        "Acme Corp",
        "Zeta Hosting",
    ]
    assert all(m.user is person for m in memberships)
    assert memberships[0].organization.tier == Organization.Tier.BUSINESS


def test_staff_without_an_organisation_cost_one_query_too(staff_user):
    person, memberships, queries = read(staff_user)
    assert person == staff_user and memberships == [] and queries == 1


def test_nobody_is_read_for_a_deactivated_or_deleted_person(owner, organization):
    User.objects.filter(pk=owner.pk).update(is_active=False)
    assert read(owner)[0] is None
    owner.delete()
    assert read(owner)[0] is None


def test_a_page_sees_the_organisation_the_person_works_in(client, owner, organization):
    other = make_organization("Beta Corp", member=owner)
    User.objects.filter(pk=owner.pk).update(current_organization=other)
    client.force_login(owner)
    response = client.get("/tickets/")
    assert response.wsgi_request.organization == other
    assert [m.organization.name for m in response.wsgi_request.memberships] == [
        "Acme Corp",
        "Beta Corp",
    ]


def test_a_persons_own_and_groups_permissions_come_in_one_query(agent):
    from django.contrib.auth.models import Group, Permission

    from accounts.backends import staff_group_names
    from accounts.staff_groups import AGENTS

    own = Permission.objects.get(codename="delete_organization")
    agent.user_permissions.add(own)
    empty = Group.objects.create(name="Night shift")  # a group without permissions
    agent.groups.add(empty)
    fresh = User.objects.get(pk=agent.pk)
    django_says = ModelBackend().get_group_permissions(fresh)  # Django's own two queries
    assert django_says and "accounts.delete_organization" not in django_says
    person = User.objects.get(pk=agent.pk)
    with CaptureQueriesContext(connection) as queries:
        everything = person.get_all_permissions()
        names = staff_group_names(person)
    assert len(queries) == 1
    assert "accounts.delete_organization" in everything
    assert person.has_perm("accounts.delete_organization")
    assert person.get_user_permissions() == {"accounts.delete_organization"}
    assert person.get_group_permissions() == django_says
    assert everything == django_says | {"accounts.delete_organization"}
    assert names == {AGENTS, "Night shift"}
