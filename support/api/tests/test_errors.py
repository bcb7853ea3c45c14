"""The token lifecycle as the API sees it, and the error answers."""

import base64
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from support.apitokens.models import ApiToken, create_token
from support.tickets.models import Ticket

from .conftest import bearer

pytestmark = pytest.mark.django_db


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] == "about:blank" and body["detail"]
    return body


def test_me(owner_api, owner, organization):
    body = owner_api.get("/api/v1/me/").json()
    assert body["email"] == owner.email and body["role"] == "owner"
    assert body["organization"]["name"] == organization.name
    token = ApiToken.objects.get()
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


def test_missing_and_wrong_tokens_are_401(client):
    body = assert_problem(client.get("/api/v1/me/"), 401)
    assert body["code"] == "not_authenticated"
    response = bearer("hsp_wrong").get("/api/v1/me/")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_revoked_token_is_401(owner_api):
    assert owner_api.get("/api/v1/me/").status_code == 200
    ApiToken.objects.get().revoke()
    assert_problem(owner_api.get("/api/v1/me/"), 401)


def test_expired_token_is_401(token_for, owner):
    api = token_for(owner, expires_at=timezone.now() + timedelta(seconds=60))
    assert api.get("/api/v1/me/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_problem(api.get("/api/v1/me/"), 401)


def test_missing_scope_is_403(token_for, owner):
    api = token_for(owner, scopes=["tickets:read"])
    assert api.get("/api/v1/tickets/").status_code == 200
    body = assert_problem(api.post("/api/v1/tickets/", {}, format="json"), 403)
    assert "tickets:write" in body["detail"]
    assert_problem(api.get("/api/v1/services/"), 403)


def test_token_in_query_string_is_refused(client, organization, owner):
    _token, raw = create_token(
        name="t", scopes=["tickets:read"], organization=organization, user=owner
    )
    body = assert_problem(client.get(f"/api/v1/me/?access_token={raw}"), 401)
    assert body["code"] == "token_in_query_string"
    assert_problem(bearer(raw).get(f"/api/v1/me/?token={raw}"), 401)


def test_a_person_who_left_loses_access(member_api, member, organization):
    assert member_api.get("/api/v1/me/").status_code == 200
    organization.memberships.filter(user=member).delete()
    assert_problem(member_api.get("/api/v1/me/"), 401)


def test_staff_tokens_cannot_read_customer_data(ticket):
    _token, raw = create_token(name="billing", scopes=["provisioning"])
    assert_problem(bearer(raw).get("/api/v1/tickets/"), 403)


def test_throttled_per_token_with_retry_after(settings, owner_api):
    settings.API_RATE_PER_TOKEN = (3, 60)
    for _attempt in range(3):
        assert owner_api.get("/api/v1/me/").status_code == 200
    response = owner_api.get("/api/v1/me/")
    assert_problem(response, 429)
    assert int(response["Retry-After"]) > 0


def test_throttled_per_address_even_without_a_token(settings, client):
    settings.API_RATE_PER_ADDRESS = (2, 60)
    assert client.get("/api/v1/me/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 401
    assert_problem(client.get("/api/v1/me/"), 429)
    assert client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.9").status_code == 401


def test_oversized_body_is_413(settings, owner_api):
    settings.API_MAX_REQUEST_BYTES = 1000
    response = owner_api.post(
        "/api/v1/tickets/", {"subject": "x", "description": "y" * 2000}, format="json"
    )
    assert_problem(response, 413)


def test_unsupported_media_type_is_415(owner_api):
    response = owner_api.post("/api/v1/tickets/", b"<x/>", content_type="application/xml")
    assert_problem(response, 415)


def test_wrong_method_is_405(owner_api, ticket):
    response = owner_api.delete(f"/api/v1/tickets/{ticket.reference}/")
    assert_problem(response, 405)
    assert "GET" in response["Allow"]


def test_unknown_addresses_are_404_problems(owner_api):
    assert_problem(owner_api.get("/api/v1/nothing-here/"), 404)


def test_malformed_json_is_400(owner_api):
    response = owner_api.post("/api/v1/tickets/", b"{", content_type="application/json")
    assert_problem(response, 400)


def cursor(position):
    return base64.b64encode(urlencode({"p": position}).encode()).decode()


@pytest.mark.parametrize("position", ["2026-13-99", "xyz", "9999-99-99", ""])
@pytest.mark.parametrize("url", ["/api/v1/tickets/", "/api/v1/incidents/"])
def test_a_cursor_with_a_bad_position_is_400(owner_api, url, position):
    body = assert_problem(owner_api.get(url, {"cursor": cursor(position)}), 400)
    assert body["errors"][0]["pointer"] == "#/cursor"


@pytest.mark.parametrize(
    "position",
    ["2026-11-30 08:50:00+00:00", "0001-01-01 00:00:00+14:00", "9999-12-31 23:59:59-14:00"],
)
@pytest.mark.parametrize("url", ["/api/v1/tickets/", "/api/v1/incidents/"])
def test_a_cursor_with_a_good_position_is_a_page(owner_api, url, position):
    response = owner_api.get(url, {"cursor": cursor(position)})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []


def test_an_id_too_large_for_the_database_is_400(owner_api, service):
    huge = "99999999999999999999999"
    body = assert_problem(owner_api.get("/api/v1/tickets/", {"service": huge}), 400)
    assert body["errors"][0]["pointer"] == "#/service"
    new = {"category": "website-down", "subject": "Down", "description": "…", "service": huge}
    body = assert_problem(owner_api.post("/api/v1/tickets/", new, format="json"), 400)
    assert body["errors"][0]["pointer"] == "#/service"
    assert not Ticket.objects.exists()
    assert_problem(owner_api.get(f"/api/v1/services/{huge}/"), 404)
