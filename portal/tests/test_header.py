"""The page header is kept per language and kind of visitor (portal/header.py): each page must
still show exactly what includes/header.html draws for that person, and nobody else's data."""

import re

import pytest
from django.middleware.csrf import _unmask_cipher_token
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation

from accounts.models import Membership, Organization
from conftest import make_organization, make_user

HEADER = re.compile(r'<header class="site-header">.*?</header>', re.S)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def header_of(response):
    return HEADER.search(response.content.decode()).group(0)


def without_tokens(header):
    """The CSRF token is masked differently each time it is drawn."""
    return TOKEN.sub("TOKEN", header)


def drawn_in_full(response, language):
    """What the header's template draws for the request the page answered."""
    with translation.override(language):
        return HEADER.search(
            render_to_string("includes/header.html", request=response.wsgi_request)
        ).group(0)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(owner, member, organization, outsider, staff_user):
    two_organizations = make_user("consultant@example.com", full_name="Cora Consultant")
    make_organization("Initech", owner=two_organizations)
    Membership.objects.create(user=two_organizations, organization=organization, role="member")
    reader = make_user("reader@example.com", full_name="Rita Reader")
    hooli = make_organization("Hooli", member=reader)
    Organization.objects.filter(pk=hooli.pk).update(members_see_reports=True)
    return {
        "visitor": Client(),
        "owner": signed_in(owner),
        "member": signed_in(member),
        "outsider": signed_in(outsider),
        "staff": signed_in(staff_user),
        "two organizations": signed_in(two_organizations),
        "reader": signed_in(reader),
    }


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_kind_of_visitor_gets_the_header_its_template_draws(people, language):
    paths = ["/", "/tickets/", "/tickets/new/", "/kb/", "/status/", "/profile/", "/tickets/?q=a<b"]
    for who, client in people.items():
        client.cookies["django_language"] = language
        for path in paths:
            response = client.get(path)
            if response.status_code != 200:
                continue
            assert without_tokens(header_of(response)) == without_tokens(
                drawn_in_full(response, language)
            ), (who, path)
        client.get("/kb/")  # drawn again from what was kept


def test_a_kept_header_shows_only_the_persons_own_name_organisation_and_token(people):
    owner_page = people["owner"].get("/tickets/")
    outsider_page = people["outsider"].get("/tickets/")
    owner_header, outsider_header = header_of(owner_page), header_of(outsider_page)
    assert "Olivia Owner" in owner_header and "Acme Corp" in owner_header
    assert "Otto Outsider" in outsider_header and "Globex" in outsider_header
    assert "Olivia" not in outsider_header and "Acme" not in outsider_header

    for who, header in (("owner", owner_header), ("outsider", outsider_header)):
        secrets = {_unmask_cipher_token(token) for token in TOKEN.findall(header)}
        assert secrets == {people[who].cookies["csrftoken"].value}


def test_names_and_addresses_are_escaped_in_a_kept_header(client, organization, owner):
    owner.full_name = '<script>alert("x")</script>'
    owner.save()
    Organization.objects.filter(pk=organization.pk).update(name="A & <B>")
    client.force_login(owner)
    header = header_of(client.get('/tickets/?q="><script>'))
    assert "<script>" not in header
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in header
    assert "A &amp; &lt;B&gt;" in header
    assert 'name="next" value="/tickets/?q=%22%3E%3Cscript%3E"' in header


def test_the_language_links_of_a_visitor_come_back_to_the_page(client, db):
    header = header_of(client.get("/kb/?q=a&b=<c>"))
    assert "next=%2Fkb%2F%3Fq%3Da%26b%3D%253Cc%253E" in header
