"""The status page and summary.json served from the cache before sessions, language and
CSRF work: no database query per request, with the shared (database) cache too, and a
change shows at once."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from support.status import cache as status_cache

from .conftest import open_incident

SUMMARY = "/status/api/v2/summary.json"


@pytest.fixture(autouse=True)
def slow_machine(monkeypatch):
    """A request may take over a second on a loaded machine: ask for the version once a
    minute here, so that what is measured is the cache, not the clock."""
    monkeypatch.setattr("portal.fastcache.CHECK_EVERY", 60.0)


def get(url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = Client(headers=headers).get(url)
    assert response.status_code == 200
    return response, len(captured)


def test_cached_answers_cost_no_query_and_follow_changes(database_cache, web):
    get("/status/"), get(SUMMARY)  # fill the cache
    page, page_queries = get("/status/")
    summary, summary_queries = get(SUMMARY)
    assert (page_queries, summary_queries) == (0, 0)
    assert "All systems operational" in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text and "nonce=" not in page.text
    open_incident([web], name="Routers on fire")
    assert "Routers on fire" in get("/status/")[0].text
    assert get(SUMMARY)[0].json()["incidents"][0]["name"] == "Routers on fire"


def test_a_change_in_another_process_shows_at_the_next_check(database_cache, web):
    get("/status/")
    assert get("/status/")[1] == 0
    open_incident([web], name="Disk trouble")
    status_cache.status_cache.local.forget()  # as another process, which kept the old page
    get("/status/")
    database_cache.set(status_cache.VERSION_KEY, 1)  # the other process's change
    status_cache.status_cache.local.checked_at -= 61  # the next check
    page, queries = get("/status/")
    assert queries > 0 and "Disk trouble" in page.text


def test_each_language_has_its_own_cached_page(database_cache, web):
    get("/status/"), get("/status/", accept_language="zh-hans")
    english, _ = get("/status/")
    chinese, queries = get("/status/", accept_language="zh-hans")
    assert queries == 0
    assert english.headers["Content-Language"] == "en"
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert re.search(r'<html[^>]+lang="zh', chinese.text)
