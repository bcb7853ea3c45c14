"""One rate-limit mechanism (portal/ratelimit.py) on a cache every process shares."""

import threading

import pytest
from django.db import connections

from conftest import PASSWORD
from portal import ratelimit


def test_a_limit_counts_per_identity_and_says_how_long_to_wait(db):
    limit = ratelimit.Limit("test", 2, 60)
    assert ratelimit.hit(limit, "a@example.com") == 0
    assert ratelimit.hit(limit, "A@example.com") == 0  # the same address
    wait = ratelimit.hit(limit, "a@example.com")
    assert 1 <= wait <= 60
    assert ratelimit.hit(limit, "b@example.com") == 0


def test_the_database_cache_counts_exactly_under_concurrency(database_cache):
    """Django's own DatabaseCache.incr reads and writes in two steps: parallel hits got lost."""
    limit = ratelimit.Limit("race", 1000, 3600)
    allowed = []

    def hammer():
        try:
            for _attempt in range(10):
                allowed.append(ratelimit.hit(limit, "same") == 0)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hammer) for _thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    window = int(__import__("time").time() // 3600)
    assert database_cache.get(ratelimit._key(limit, "same", window)) == 80


@pytest.mark.parametrize("url", ["/status/api/alertmanager/", "/inbound/email/"])
def test_token_endpoints_are_throttled_per_client(client, db, settings, url):
    """Before: 200 parallel calls were all served (and tokens could be guessed freely)."""
    settings.TOKEN_ENDPOINT_RATE_LIMIT = (5, 60)
    headers = {"HTTP_AUTHORIZATION": "Bearer wrong"}
    statuses = [
        client.post(url, "{}", content_type="application/json", **headers).status_code
        for _call in range(8)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    response = client.post(url, "{}", content_type="application/json", **headers)
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"]
    other = client.post(url, "{}", content_type="application/json", REMOTE_ADDR="192.0.2.8")
    assert other.status_code == 401


def test_failed_sign_ins_over_the_limit_answer_429(client, owner):
    """Before: the lockout was a form error on a 200 page."""
    for _attempt in range(5):
        response = client.post("/accounts/login/", {"login": owner.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": owner.email, "password": "wrong"})
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert "Too many failed login attempts" in response.text


def test_the_sign_in_lockout_counts_whichever_host_and_port_the_attempt_came_through(
    client, owner, settings
):
    """Before: allauth keyed the count by the Host header, port included, so each node
    reached on its own port (or each name in ALLOWED_HOSTS) allowed five more."""
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    hosts = ["127.0.0.1:8001", "127.0.0.1:8002", "localhost", "127.0.0.1", "localhost:8003"]
    for host in hosts:
        wrong = {"login": owner.email, "password": "wrong"}
        assert client.post("/accounts/login/", wrong, HTTP_HOST=host).status_code == 200
    right = {"login": owner.email.upper(), "password": PASSWORD}
    assert client.post("/accounts/login/", right, HTTP_HOST="localhost:8004").status_code == 429


def test_allauth_limited_views_use_the_portal_429_page(client, owner, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/m/ip"}
    client.post("/accounts/password/reset/", {"email": owner.email})
    response = client.post("/accounts/password/reset/", {"email": owner.email})
    assert response.status_code == 429
    assert response["Retry-After"]
    assert "Too many attempts" in response.text
