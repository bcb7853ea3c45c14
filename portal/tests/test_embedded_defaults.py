"""The portal on its embedded defaults, as `make run` sets it up (SQLite, demo data): the main
pages answer for a visitor, a customer, an agent and an engineer, in English and Chinese.

The rest of the suite runs on PostgreSQL, and some pages ask PostgreSQL for what SQLite
lacks (arrays of rows, an ORDER BY inside a UNION): this is where a page that works only
there shows."""

import os
import subprocess
import sys

from django.conf import settings

PAGES = r"""
import datetime
import django

django.setup()
from django.test import Client
from django.test.utils import setup_test_environment

from accounts.models import User
from support.tickets.models import Ticket

setup_test_environment()


def signed_in(email):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(email=email))
    return client


visitor = Client(raise_request_exception=False)
customer = signed_in("customer@example.com")
agent = signed_in("agent@example.com")
engineer = signed_in("engineer@example.com")
ticket = Ticket.objects.filter(requester__email="customer@example.com").order_by("pk").first()
month = f"{datetime.date.today():%Y-%m}"
pages = [
    (visitor, "/status/"),
    (visitor, "/status/api/v2/summary.json"),
    (visitor, "/kb/"),
    (visitor, "/kb/?q=password"),
    (customer, "/"),
    (customer, "/tickets/"),
    (customer, "/tickets/new/"),
    (customer, ticket.get_absolute_url()),
    (customer, "/kb/?q=密码"),
    (customer, f"/reports/{month}/"),
    (agent, "/admin/"),
    (agent, "/admin/tickets/ticket/"),
    (agent, "/admin/tickets/ticket/?view=breached"),
    (agent, f"/admin/tickets/ticket/?q={ticket.reference}"),
    (agent, "/admin/tickets/ticket/?q=密码"),
    (agent, f"/admin/tickets/ticket/{ticket.pk}/change/"),
    (engineer, "/admin/reports/sla/"),
    (engineer, "/admin/reports/volume/"),
]
failed = []
for client, url in pages:
    for language in ("en", "zh-hans"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code != 200:
            failed.append(f"{url} ({language}): {response.status_code}")
print("\n".join(failed) or "all answered")
sys.exit(1 if failed else 0)
"""


def test_the_demo_on_sqlite_answers_every_main_page(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DATABASE_URL", "REDIS_URL", "DATABASE_REPLICA_URL")
    }
    environment.update(
        DEBUG="1",
        VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="portal.settings",
        PYTHONPATH=str(settings.BASE_DIR),
    )

    def run(*arguments):
        return subprocess.run(
            [sys.executable, *arguments],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
        )

    for step in (["manage.py", "migrate", "--no-input", "-v", "0"], ["manage.py", "seed_demo"]):
        done = run(*step)
        assert done.returncode == 0, done.stderr[-4000:]
    assert (tmp_path / "portal.sqlite3").exists()
    pages = run("-c", "import sys\n" + PAGES)
    assert pages.returncode == 0, pages.stdout[-4000:] + pages.stderr[-4000:]
