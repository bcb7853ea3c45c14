"""Fixtures shared by every app's tests."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django_q.conf import Conf

from accounts.models import Membership, Organization, User
from accounts.staff_groups import AGENTS, ENGINEERS
from support.outbox.tasks import deliver_pending
from support.tickets.notify import send_pending

PASSWORD = "a-Long-test-passw0rd"


def pytest_collection_modifyitems(items):
    """Transactional tests (live servers, other processes) restore the seeded data first.

    A transactional test empties every table after it runs, which would leave later ones
    without what the data migrations seeded (teams, categories, SLA policies, staff groups).
    Serialized rollback puts it back; it is turned on here for every transactional test, so
    that no test depends on the order the suite runs in.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "transactional_db" in fixtures or "live_server" in fixtures
        )
        if transactional:
            databases = marker.kwargs.get("databases") if marker is not None else None
            item.add_marker(
                pytest.mark.django_db(
                    transaction=True, serialized_rollback=True, databases=databases
                ),
                append=False,
            )


@pytest.fixture(autouse=True)
def outbox_delivery(settings, tmp_path, monkeypatch):
    """Mail takes the real path in tests: the outbox table, then the delivery task.

    Delivery goes to Django's in-memory backend, so tests read django.core.mail.outbox
    after calling the `send_queued_mail` fixture. django-q2 tasks run at once, in process.
    """
    settings.EMAIL_BACKEND = "support.outbox.backend.OutboxBackend"
    settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 reads "sync" once, at import


@pytest.fixture
def send_queued_mail(db):
    """Run the tasks that write and deliver email and return every message delivered so far."""

    def send():
        send_pending()  # ticket notifications become outbox emails in django-q2 first
        deliver_pending()
        return list(mail.outbox)

    return send


LOCAL_CACHE = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def clear_cache(settings):
    """Each test starts with an empty cache of its own.

    Tests run in one process, where a local-memory cache behaves as the shared one
    does and adds no queries to the counts; tests about sharing the cache between
    processes use the `database_cache` fixture (or start servers of their own).
    """
    from django.core.cache import cache

    from portal.fastcache import forget_local_copies

    settings.CACHES = LOCAL_CACHE
    cache.clear()
    forget_local_copies()
    yield
    if settings.CACHES == LOCAL_CACHE:
        cache.clear()


@pytest.fixture
def database_cache(settings, transactional_db):
    """The embedded default: the cache table in the test database (portal.cache)."""
    from django.conf import settings as django_settings
    from django.core.cache import cache

    from portal.fastcache import forget_local_copies

    settings.CACHES = {"default": django_settings.DATABASE_CACHE}
    cache.clear()
    forget_local_copies()  # what this process kept of versioned caches
    yield cache
    cache.clear()
    forget_local_copies()


def make_user(email, password=PASSWORD, **fields):
    user = User.objects.create_user(email=email, password=password, **fields)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def make_organization(name="Acme Corp", tier=Organization.Tier.BUSINESS, **members):
    organization = Organization.objects.create(name=name, tier=tier)
    for role, users in members.items():
        for user in users if isinstance(users, list | tuple) else [users]:
            Membership.objects.create(user=user, organization=organization, role=role)
    return organization


@pytest.fixture
def owner(db):
    return make_user("owner@acme.example", full_name="Olivia Owner")


@pytest.fixture
def member(db):
    return make_user("member@acme.example", full_name="Max Member")


@pytest.fixture
def organization(owner, member):
    return make_organization(owner=owner, member=member)


@pytest.fixture
def outsider(db):
    """Someone in another organisation, who must see nothing of `organization`."""
    user = make_user("outsider@globex.example", full_name="Otto Outsider")
    make_organization("Globex", Organization.Tier.STANDARD, owner=user)
    return user


@pytest.fixture
def staff_user(db):
    return make_user("agent@support.example", full_name="Alex Agent", is_staff=True)


@pytest.fixture
def agent(db):
    """Tier 1 staff, in the Support agents group."""
    from django.contrib.auth.models import Group

    user = make_user("tier1@support.example", full_name="Alex Agent", is_staff=True)
    user.groups.add(Group.objects.get(name=AGENTS))
    return user


@pytest.fixture
def engineer(db):
    """Tier 2 staff, in the Support engineers group."""
    from django.contrib.auth.models import Group

    user = make_user("engineer@support.example", full_name="Erin Engineer", is_staff=True)
    user.groups.add(Group.objects.get(name=ENGINEERS))
    return user


@pytest.fixture
def open_ticket(organization, owner):
    """Open tickets for `owner` in `organization` through the ticket app's own service."""
    from support.tickets import services

    def open_(**fields):
        values = {
            "organization": organization,
            "requester": owner,
            "subject": "Shop is down",
            "description": "Our shop shows a 502 error.",
        }
        values.update(fields)
        return services.open_ticket(**values)

    return open_


@pytest.fixture
def ticket(open_ticket):
    return open_ticket()


@pytest.fixture
def owner_client(client, owner, organization):
    client.force_login(owner)
    return client


def serve_collected_static(route):
    """For Playwright: the test server serves no collected files (pages name them by their
    hashed names), so answer from STATIC_ROOT, as whitenoise does in production (collected by
    scripts/test)."""
    import mimetypes
    from pathlib import Path

    from django.conf import settings

    relative = route.request.url.split("/static/", 1)[1].split("?", 1)[0]
    path = Path(settings.STATIC_ROOT) / relative
    if not path.is_file():
        route.fulfill(status=404, body="")
        return
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    route.fulfill(status=200, body=path.read_bytes(), headers={"Content-Type": kind})


@pytest.fixture
def browser_page(live_server):
    """A page in Debian's Chromium driven by Playwright, for journeys through real pages."""
    import os

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Debian's Chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        context.route("**/static/**", serve_collected_static)  # the page's own CSS and JS
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()


def sign_in_with_browser(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("form:has(input[name=password]) [type=submit]").click()
    page.wait_for_load_state()
