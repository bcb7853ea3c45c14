"""The status page and summary.json served from the cache before any other middleware
(security, CSP, sessions, CSRF, language): no database query per request, with the shared
(database) cache too, the same headers as the full path, and a change shows at once."""

import io
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
    assert "csrfmiddlewaretoken" not in page.text and "nonce=" not in page.text
    assert "Set-Cookie" not in page.headers
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


def test_the_cached_answer_carries_the_headers_of_the_full_path(database_cache, web):
    first, _ = get("/status/")  # through every middleware
    again, queries = get("/status/")
    assert queries == 0
    assert again.content == first.content
    assert dict(again.headers) == dict(first.headers)
    policy = again.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "nonce-" not in policy
    assert again["X-Frame-Options"] == "DENY"
    assert again["X-Content-Type-Options"] == "nosniff"
    assert again["Vary"] == "Accept-Language, Cookie"
    summary, _ = get(SUMMARY)
    cached_summary, queries = get(SUMMARY)
    assert queries == 0
    assert dict(cached_summary.headers) == dict(summary.headers)
    assert cached_summary["Access-Control-Allow-Origin"] == "*"


def test_signed_in_people_never_get_the_cached_page(database_cache, web, owner):
    get("/status/"), get("/status/")  # the visitors' page is cached
    person = Client()
    person.force_login(owner)
    with CaptureQueriesContext(connection) as captured:
        page = person.get("/status/")
    assert len(captured) > 0  # their session and account were read
    assert "Sign up" not in page.text and "Sign in" not in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text  # their language switch is a form
    assert page["Cache-Control"] == "no-store, private"


def test_a_page_that_sets_a_cookie_or_uses_a_nonce_is_not_kept(database_cache, web):
    from django.http import HttpResponse

    from portal.fastpath import keepable

    assert keepable(HttpResponse("fine"))
    with_cookie = HttpResponse("x")
    with_cookie.set_cookie("csrftoken", "abc")
    assert not keepable(with_cookie)
    assert not keepable(
        HttpResponse("x", headers={"Content-Security-Policy": "script-src 'nonce-a'"})
    )
    assert not keepable(HttpResponse("x", status=500))


def test_plain_http_takes_the_full_path_when_https_is_required(database_cache, web, settings):
    get("/status/")
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/status/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def wsgi_environ(path, method="GET", **extra):
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        **extra,
    }


def test_the_wsgi_fast_path_answers_before_django(database_cache, web):
    from portal.fastpath import FastPathApplication

    django_calls = []

    def django(environ, start_response):
        django_calls.append(environ["PATH_INFO"])
        start_response("404 Not Found", [])
        return [b""]

    application = FastPathApplication(django)
    page, _ = get("/status/")  # Django fills the cache
    summary, _ = get(SUMMARY)
    started = []
    with CaptureQueriesContext(connection) as captured:
        body = application(wsgi_environ("/status/"), lambda *args: started.append(args))
        json_body = application(wsgi_environ(SUMMARY), lambda *args: started.append(args))
        head = application(wsgi_environ("/status/", "HEAD"), lambda *args: started.append(args))
    assert len(captured) == 0 and django_calls == []
    assert b"".join(body) == page.content and b"".join(json_body) == summary.content
    assert started[0] == ("200 OK", list(page.headers.items()))
    assert head == [] and ("Content-Length", str(len(page.content))) in started[2][1]
    for environ in (
        wsgi_environ("/status/", HTTP_COOKIE="sessionid=abc"),  # signed in
        wsgi_environ("/status/", QUERY_STRING="page=2"),
        wsgi_environ("/status/", "POST"),
        wsgi_environ("/status/", HTTP_HOST="evil.example"),  # Django answers 400
        wsgi_environ("/status/history/"),
    ):
        application(environ, lambda *args: None)
    assert len(django_calls) == 5
