"""Schemathesis against the live API: generated requests to every operation; no answer may
be a server error and every answer must match the schema (status code, content type, body,
headers). Bounded to a few examples per operation so the suite stays quick."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from support.apitokens.models import CUSTOMER_SCOPES, create_token

MAX_EXAMPLES = 5
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


@pytest.fixture
def live_token(organization, owner, open_ticket, settings):
    settings.API_RATE_PER_TOKEN = settings.API_RATE_PER_ADDRESS = (100000, 60)
    open_ticket(subject="For schemathesis")
    _token, raw = create_token(
        name="schemathesis",
        scopes=[scope.value for scope in CUSTOMER_SCOPES],
        organization=organization,
        user=owner,
    )
    return raw


def served_schema():
    """The schema /api/schema/?format=json serves (test_schema checks the two agree)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


schema = schemathesis.openapi.from_dict(served_schema())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, live_server, live_token):
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Bearer {live_token}"},
        checks=CHECKS,
    )
