import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from conftest import make_user
from support.apitokens.models import ApiToken, create_token, hash_token

pytestmark = pytest.mark.django_db


def test_customer_token_is_shown_once_and_stored_hashed(owner_client, organization, owner):
    response = owner_client.post(
        "/accounts/api-tokens/",
        {"name": "Monitoring", "scopes": ["tickets:read", "tickets:write"], "expires_in": "30"},
    )
    assert response.status_code == 201
    page = response.content.decode()
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    token = ApiToken.objects.get()
    assert secret.startswith("hsp_")
    assert token.token_hash == hash_token(secret) and secret not in token.hint
    assert (token.organization, token.user, token.created_by) == (organization, owner, owner)
    assert token.scopes == ["tickets:read", "tickets:write"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert response["Cache-Control"] == "no-store, private"
    again = owner_client.get("/accounts/api-tokens/").content.decode()
    assert "Monitoring" in again and secret not in again


def test_members_see_their_own_tokens_managers_see_all(client, organization, owner, member):
    owners, _raw = create_token(
        name="Owner's", scopes=["tickets:read"], organization=organization, user=owner
    )
    members, _raw = create_token(
        name="Member's", scopes=["tickets:read"], organization=organization, user=member
    )
    client.force_login(member)
    page = client.get("/accounts/api-tokens/").content.decode()
    assert "Member&#x27;s" in page and "Owner&#x27;s" not in page
    assert client.post(f"/accounts/api-tokens/{owners.pk}/revoke/").status_code == 404
    client.force_login(owner)
    page = client.get("/accounts/api-tokens/").content.decode()
    assert "Member&#x27;s" in page and "Owner&#x27;s" in page
    client.post(f"/accounts/api-tokens/{members.pk}/revoke/")
    members.refresh_from_db()
    assert members.revoked_at is not None


def test_another_organisation_cannot_revoke(client, organization, owner, outsider):
    token, _raw = create_token(
        name="Acme", scopes=["tickets:read"], organization=organization, user=owner
    )
    client.force_login(outsider)
    assert client.post(f"/accounts/api-tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoked_and_expired_tokens_do_not_authenticate(organization, owner):
    token, raw = create_token(
        name="t", scopes=["tickets:read"], organization=organization, user=owner
    )
    assert ApiToken.objects.authenticate(raw) == token
    assert ApiToken.objects.authenticate(raw + "x") is None
    token.expires_at = timezone.now() - timedelta(seconds=1)
    token.save()
    assert ApiToken.objects.authenticate(raw) is None
    token.expires_at = None
    token.revoke()
    assert ApiToken.objects.authenticate(raw) is None


def test_command_prints_a_working_token(organization, owner):
    out = io.StringIO()
    call_command(
        "create_api_token",
        "--email",
        owner.email,
        "--organization",
        organization.name,
        "--scopes",
        "tickets:read,tickets:write",
        stdout=out,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.authenticate(raw)
    assert token.user == owner and token.organization == organization
    assert token.scopes == ["tickets:read", "tickets:write"]


def test_command_refuses_people_outside_the_organisation(organization, outsider):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "create_api_token",
            "--email",
            outsider.email,
            "--organization",
            organization.name,
            "--scopes",
            "tickets:read",
        )


def test_admin_refuses_staff_scopes_on_customer_tokens(admin_client, organization, owner):
    response = admin_client.post(
        "/admin/apitokens/apitoken/add/",
        {
            "name": "mixed",
            "scopes": ["tickets:read", "provisioning"],
            "organization": organization.pk,
            "user": owner.pk,
        },
    )
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_existing_alertmanager_and_inbound_tokens_are_migrated():
    """Tokens handed out before the merge keep working: same hashes, same meaning."""
    before = [
        ("apitokens", "0001_initial"),
        ("status", "0002_staff_permissions"),
        ("inbound", "0003_triage"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    apps = executor.loader.project_state(before).apps
    now = timezone.now()
    apps.get_model("status", "AlertmanagerToken").objects.create(
        name="prometheus", token_hash=hash_token("am_old"), publish=True, created_at=now
    )
    apps.get_model("status", "AlertmanagerToken").objects.create(
        name="gone", token_hash=hash_token("am_gone"), revoked_at=now, created_at=now
    )
    apps.get_model("inbound", "InboundToken").objects.create(
        name="Mailgun", token_hash=hash_token("inb_old"), hint="inb_old", created_at=now
    )
    apps.get_model("inbound", "InboundToken").objects.create(
        name="off", token_hash=hash_token("inb_off"), hint="inb_off", active=False, created_at=now
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert ApiToken.objects.authenticate("am_old").scopes == ["alertmanager:publish"]
    assert ApiToken.objects.authenticate("inb_old").scopes == ["inbound:email"]
    assert ApiToken.objects.authenticate("am_gone") is None
    assert ApiToken.objects.authenticate("inb_off") is None


def test_people_who_left_lose_their_tokens(organization, member):
    token, raw = create_token(
        name="t", scopes=["tickets:read"], organization=organization, user=member
    )
    assert token.membership() is not None
    organization.memberships.filter(user=member).delete()
    assert token.membership() is None
    assert make_user("new@acme.example")  # unrelated people change nothing
