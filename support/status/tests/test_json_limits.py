"""Every JSON body is capped: size (413), nesting depth, field lengths, unknown fields (400)."""

import json

from portal.jsonbody import nesting_depth
from support.status.models import Incident

from .test_alertmanager import alert, payload, post
from .test_alertmanager import token as token  # noqa: F401 (the same fixture)


def test_nesting_depth_ignores_brackets_in_strings():
    assert nesting_depth('{"a": [[1]], "b": "[[[[[["}') == 3
    assert nesting_depth("[" * 5000) == 5000


def test_deeply_nested_json_is_a_400_not_a_500(client, token):
    """Before: 5,000 nested `[` raised RecursionError."""
    response = post(client, "[" * 5000, token)
    assert response.status_code == 400
    assert "nests deeper than 32 levels" in response.json()["detail"]


def test_a_body_over_the_limit_is_a_413(client, token, settings):
    """Before: a 6 MB body answered the 400 page."""
    settings.JSON_MAX_BODY_BYTES = 1000
    response = post(client, json.dumps({"version": "4", "padding": "x" * 2000}), token)
    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["detail"]


def test_unknown_fields_are_a_400_naming_them(client, token, web):
    """Before: unknown fields were accepted silently."""
    body = payload(alert())
    body["sneaky"] = True
    body["alerts"][0]["extra"] = 1
    response = post(client, body, token)
    assert response.status_code == 400
    assert response.json()["errors"] == {"sneaky": ["Unknown field."]}
    del body["sneaky"]
    response = post(client, body, token)
    assert response.json()["errors"] == {"alerts": {"0": {"extra": ["Unknown field."]}}}


def test_overlong_fields_are_a_400(client, token, web):
    body = payload(alert())
    body["alerts"][0]["labels"]["component"] = "x" * 5000
    response = post(client, body, token)
    assert response.status_code == 400
    assert "labels" in response.json()["errors"]["alerts"]["0"]


def test_a_long_summary_opens_an_incident_with_a_cut_title_and_the_full_text(client, token, web):
    """Before: a 224-character summary → `value too long for type character varying(200)`."""
    summary = " ".join(["Probe failures on the shared hosting cluster"] * 5)  # 224 characters
    body = payload(alert())
    body["alerts"][0]["annotations"] = {"summary": summary, "description": "5 of 8 probes."}
    response = post(client, body, token)
    assert response.status_code == 200
    incident = Incident.objects.get()
    assert len(incident.name) == 200 and incident.name.endswith("…")
    update = incident.updates.get()
    assert summary in update.body and "5 of 8 probes." in update.body
