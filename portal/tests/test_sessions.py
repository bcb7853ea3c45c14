"""Sessions are Django's database sessions, read with a plain SELECT (portal/sessions.py)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from portal.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_is_read_back_until_it_expires(django_assert_num_queries):
    store = SessionStore()
    store["colour"] = "teal"
    store.save()
    with django_assert_num_queries(1):
        assert SessionStore(store.session_key)["colour"] == "teal"
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.get("colour") is None and expired.session_key is None


def test_an_unknown_key_gives_an_empty_session():
    unknown = SessionStore("x" * 32)
    assert dict(unknown.items()) == {} and unknown.session_key is None


def test_signing_in_and_out_still_works(client, owner, organization):
    client.force_login(owner)
    assert client.get("/tickets/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/tickets/").status_code == 302
