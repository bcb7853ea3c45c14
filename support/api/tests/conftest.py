import pytest
from rest_framework.test import APIClient

from accounts.models import Service
from support.apitokens.models import CUSTOMER_SCOPES, create_token

ALL = [scope.value for scope in CUSTOMER_SCOPES]


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def token_for(organization):
    """A client carrying a fresh token acting as `user` (in `organization` by default)."""

    def make(user, scopes=ALL, org=None, **fields):
        _token, raw = create_token(
            name="test",
            scopes=scopes,
            organization=org or organization,
            user=user,
            created_by=user,
            **fields,
        )
        return bearer(raw)

    return make


@pytest.fixture
def owner_api(token_for, owner):
    return token_for(owner)


@pytest.fixture
def member_api(token_for, member):
    return token_for(member)


@pytest.fixture
def outsider_api(token_for, outsider):
    return token_for(outsider, org=outsider.memberships.get().organization)


@pytest.fixture
def service(organization):
    return Service.objects.create(organization=organization, name="Shop hosting", kind="shared")
