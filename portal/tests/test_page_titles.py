"""Page titles name the page, then the portal, apart: "Dashboard · Hosting Support Portal"."""

import re

import pytest


def title_of(response):
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


def test_the_dashboard_title_is_separated_from_the_portals_name(owner_client, settings):
    assert title_of(owner_client.get("/")) == f"Dashboard · {settings.SITE_NAME}"


@pytest.mark.parametrize("path", ["/", "/status/", "/kb/", "/accounts/login/"])
def test_every_title_names_the_page_then_the_portal(client, db, settings, path):
    title = title_of(client.get(path))
    page, _, site = title.rpartition(" · ")
    assert site == settings.SITE_NAME and page.strip()
