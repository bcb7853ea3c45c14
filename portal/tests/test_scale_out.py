"""Several nodes: files in shared object storage, reports on a replica, metrics, JSON logs."""

import json
import re
import struct
import subprocess
import sys
import time
import zlib

import psycopg
import pytest
import requests
from django.conf import settings
from django.db import connection

from conftest import PASSWORD
from support.surveys.models import CsatResponse, CsatSurvey
from support.tickets.models import Category, Ticket

from .nodes import csrf_token, database_url, free_port, gunicorn_node, node_environment, sign_in

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="several nodes need a shared PostgreSQL server"
)


def tiny_png():
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def s3_store():
    """An S3-compatible server (moto) on loopback with a private, empty bucket."""
    boto3 = pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    port = free_port()
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {
        "S3_BUCKET": "portal-files",
        "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
        "S3_REGION": "us-east-1",
    }
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test-key",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="portal-files")
    yield client, credentials
    server.stop()


def test_a_file_uploaded_through_one_node_downloads_through_the_other(
    transactional_db, tmp_path, s3_store, owner, organization
):
    client, credentials = s3_store
    png = tiny_png()
    category = Category.objects.get(slug="website-down")
    node_a_env = node_environment(tmp_path, "node-a", **credentials)
    node_b_env = node_environment(tmp_path, "node-b", **credentials)
    with gunicorn_node(node_a_env) as node_a, gunicorn_node(node_b_env) as node_b:
        browser = requests.Session()
        sign_in(browser, node_a, owner.email, PASSWORD)
        form = browser.get(f"{node_a}/tickets/new/").text
        form_token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
        response = browser.post(
            f"{node_a}/tickets/new/",
            data={
                "csrfmiddlewaretoken": csrf_token(form),
                "form_token": form_token,
                "category": category.pk,
                "priority": "P2",
                "subject": "Screenshot of the error",
                "description": "Attached.",
                "extra__website-down__url": "https://shop.example/",
                "extra__website-down__error": "502 Bad Gateway",
            },
            files={"attachments": ("error.png", png, "image/png")},
            headers={"Referer": f"{node_a}/tickets/new/"},
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]
        ticket = Ticket.objects.get(subject="Screenshot of the error")

        page = browser.get(f"{node_b}/tickets/{ticket.reference}/")
        link = re.search(r'href="(/tickets/[^"]+/attachments/[^"]+)"', page.text).group(1)
        download = browser.get(f"{node_b}{link}")

    assert download.status_code == 200
    assert download.content == png
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    stored = client.list_objects_v2(Bucket="portal-files")["Contents"]
    assert [item["Size"] for item in stored] == [len(png)]
    assert not any((tmp_path / "node-a" / "media").rglob("*.png"))  # not on node A's disk
    # The bucket is private: the object's own URL, without the portal, is refused.
    bare = requests.get(f"{credentials['S3_ENDPOINT_URL']}/portal-files/{stored[0]['Key']}")
    assert bare.status_code == 403


def postgres_tool(name):
    import glob
    import shutil

    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    if not found[-1]:
        pytest.skip(f"PostgreSQL's {name} is not installed")
    return found[-1]


@pytest.fixture
def replica_database(transactional_db):
    """A second database standing in for a streaming replica: a copy of the test database
    (pg_dump into a new database: a copy by TEMPLATE would need the test database idle)."""
    primary = connection.settings_dict["NAME"]
    name = f"{primary}_replica"
    admin_url = database_url("postgres")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    dump = subprocess.run(
        [postgres_tool("pg_dump"), "--no-owner", database_url(primary)],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        [postgres_tool("psql"), "-q", "-v", "ON_ERROR_STOP=1", database_url(name)],
        input=dump.stdout,
        capture_output=True,
        check=True,
    )
    yield database_url(name)
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def answered_survey(transactional_db, owner, organization):
    ticket = Ticket.objects.create(
        organization=organization,
        requester=owner,
        subject="Slow site",
        description="Slow",
        category=Category.objects.get(slug="slow-performance"),
    )
    survey = CsatSurvey.objects.create(ticket=ticket, person=owner)
    return CsatResponse.objects.create(survey=survey, rating=1, comment="Written on the primary")


@pytest.fixture
def report_reader(transactional_db, engineer):
    engineer.is_superuser = True
    engineer.save()
    return engineer


def test_reports_read_from_the_replica_until_the_person_changes_something(
    tmp_path, answered_survey, organization, report_reader, replica_database
):
    with psycopg.connect(replica_database, autocommit=True) as replica:
        replica.execute(
            "UPDATE accounts_organization SET name = 'Acme on the replica' WHERE id = %s",
            [organization.pk],
        )
        replica.execute(
            "UPDATE surveys_csatresponse SET comment = 'Seen on the replica' WHERE id = %s",
            [answered_survey.pk],
        )
    env = node_environment(
        tmp_path, "node", DATABASE_REPLICA_URL=replica_database, DATABASE_REPLICA_PIN_SECONDS="1"
    )
    with gunicorn_node(env) as node:
        browser = requests.Session()
        sign_in(browser, node, report_reader.email, PASSWORD)  # signing in is a change too
        time.sleep(1.2)
        report = f"{node}/admin/reports/sla/"
        first = browser.get(report)
        assert "Acme on the replica" in first.text
        surveys = browser.get(f"{node}/admin/surveys/surveyresults/").text
        assert "Seen on the replica" in surveys and "Written on the primary" not in surveys
        # Pages that are not reports read the primary.
        assert "Acme on the replica" not in browser.get(f"{node}/admin/").text

        # Any change pins this person to the primary for a while: they see their own writes.
        browser.post(
            f"{node}/i18n/setlang/",
            data={"language": "en", "next": "/", "csrfmiddlewaretoken": csrf_token(first.text)},
            headers={"Referer": report},
        )
        after_change = browser.get(report)
        assert "Acme on the replica" not in after_change.text
        assert organization.name in after_change.text
        time.sleep(1.2)
        assert "Acme on the replica" in browser.get(report).text


def test_without_a_replica_reports_read_the_primary(client, answered_survey, report_reader):
    client.force_login(report_reader)
    assert "replica" not in settings.DATABASES
    assert "Written on the primary" in client.get("/admin/surveys/surveyresults/").content.decode()


# --- metrics ----------------------------------------------------------------------------------


def test_metrics_are_off_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_callers_without_the_token(client, db, settings):
    settings.METRICS_TOKEN = "m" * 40
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics?token=" + "m" * 40).status_code == 401


def test_metrics_name_the_series_operators_watch(tmp_path, transactional_db, ticket):
    token = "t" * 40
    env = node_environment(tmp_path, "node", METRICS_TOKEN=token)
    with gunicorn_node(env) as node:
        for _ in range(3):  # the first fills the fast path's cache, the others come from it
            requests.get(f"{node}/status/")
        response = requests.get(f"{node}/metrics", headers={"Authorization": f"Bearer {token}"})
        anonymous = requests.get(f"{node}/metrics")
    assert anonymous.status_code == 401
    assert response.status_code == 200
    body = response.text
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert 'portal_open_tickets{sla_state="on_track"} 1.0' in body
    assert 'portal_outbox_backlog{status="pending"}' in body
    assert "portal_task_queue_depth" in body
    assert 'portal_fast_path_responses_total{page="/status/"} 2.0' in body


# --- logs, checks, image and stack ------------------------------------------------------------


def test_json_logs_are_one_object_per_line(tmp_path):
    env = node_environment(tmp_path, "node", LOG_FORMAT="json")
    script = "import logging; logging.getLogger('portal.test').warning('disk %s full', 'sda')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "disk sda full"
    assert line["level"] == "WARNING"
    assert line["logger"] == "portal.test"


def deploy_check(tmp_path, **extra):
    env = node_environment(
        tmp_path,
        "check",
        DEBUG="0",
        SECRET_KEY="deploy-check-key-" + "0123456789abcdef" * 4,
        ALLOWED_HOSTS="support.example.com",
        SITE_URL="https://support.example.com",
        REDIS_URL="redis://127.0.0.1:6379/0",
        SECURE_SSL_REDIRECT="1",
        **extra,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def test_deploy_checks_want_shared_storage_when_several_nodes_are_declared(tmp_path):
    assert deploy_check(tmp_path).returncode == 0
    several = deploy_check(tmp_path, WEB_NODES="3")
    assert several.returncode != 0
    assert "portal.W003" in several.stderr
    shared = deploy_check(tmp_path, WEB_NODES="3", S3_BUCKET="files", S3_ENDPOINT_URL="http://s3")
    assert shared.returncode == 0, shared.stderr


def test_deploy_checks_want_a_long_metrics_token(tmp_path):
    result = deploy_check(tmp_path, METRICS_TOKEN="short")
    assert "portal.W004" in result.stderr


def settings_variables():
    """Every environment variable portal/settings.py reads."""
    source = (settings.BASE_DIR / "portal" / "settings.py").read_text()
    return set(re.findall(r'(?:environ\.get|env_bool|env_int|env_list)\(\s*"([A-Z0-9_]+)"', source))


def test_the_compose_stack_runs_every_part_with_health_checks():
    import yaml

    stack = yaml.safe_load((settings.BASE_DIR / "compose.yaml").read_text())
    services = stack["services"]
    assert {"web", "cluster", "db", "redis", "s3", "nginx", "migrate"} <= set(services)
    assert services["web"]["deploy"]["replicas"] == 2
    for name in ("db", "redis", "s3", "nginx"):
        assert services[name]["healthcheck"]["test"], name
    assert "HEALTHCHECK" in (settings.BASE_DIR / "Dockerfile").read_text()  # web's own check
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"
    for name in ("web", "cluster"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_the_stack_sets_only_variables_the_portal_reads_and_the_readme_lists():
    import yaml

    stack = yaml.safe_load((settings.BASE_DIR / "compose.yaml").read_text())
    readme = (settings.BASE_DIR / "README.md").read_text()
    known = settings_variables() | {"PROMETHEUS_MULTIPROC_DIR", "SEED_DEMO"}
    for name in ("web", "cluster", "migrate"):
        environment = stack["services"][name]["environment"]
        unknown = set(environment) - known
        assert not unknown, f"{name} sets variables the portal never reads: {unknown}"
        for variable in environment:
            assert f"`{variable}`" in readme, f"{variable} is not in the README"
    env = stack["services"]["web"]["environment"]
    assert env["TRUSTED_PROXY_COUNT"] == "1"
    assert {"DATABASE_URL", "REDIS_URL", "S3_BUCKET", "SECRET_KEY", "SITE_URL"} <= set(env)
    nginx = (settings.BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # one hop, set by us
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in nginx


def test_every_setting_is_in_the_readme():
    readme = (settings.BASE_DIR / "README.md").read_text()
    missing = {name for name in settings_variables() if f"`{name}`" not in readme}
    assert not missing


def test_the_dockerfile_passes_hadolint():
    import shutil

    hadolint = shutil.which("hadolint") or str(settings.BASE_DIR / ".venv" / "bin" / "hadolint")
    try:
        result = subprocess.run(
            [hadolint, "Dockerfile"], cwd=settings.BASE_DIR, capture_output=True, text=True
        )
    except FileNotFoundError:
        pytest.skip("hadolint is not installed")
    assert result.returncode == 0, result.stdout
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^USER \d+$", dockerfile, re.M)  # not root
    assert "collectstatic" in dockerfile
    assert re.search(r'^CMD \["gunicorn"', dockerfile, re.M)
