"""Real servers for tests that need more than one process: gunicorn nodes and an S3 store."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import requests
from django.conf import settings
from django.db import connection


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name=None):
    """The test database (committed data only: use transactional tests) as a DATABASE_URL."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{name or db['NAME']}"


def node_environment(tmp_path, name, **extra):
    """What a node of the portal reads at start: the test database, its own disk, our extras."""
    var = tmp_path / name
    var.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("S3_", "DATABASE_", "METRICS_", "LOG_"))
    }
    env.update(
        DEBUG="1",
        SECRET_KEY="nodes-share-one-secret-key-for-sessions",
        DATABASE_URL=database_url(),
        DATABASE_CONN_MAX_AGE="0",
        VAR_DIR=str(var),
        MEDIA_ROOT=str(var / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STAFF_MFA_REQUIRED="0",
    )
    env.update(extra)
    return env


@contextmanager
def gunicorn_node(env, workers=1):
    """A gunicorn node of the portal on a free loopback port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: {process.stderr.read()}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def csrf_token(html):
    import re

    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return match.group(1)


def sign_in(session, base_url, email, password):
    page = session.get(f"{base_url}/accounts/login/")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": f"{base_url}/accounts/login/"},
    )
    assert "sessionid" in session.cookies, response.text[:500]
    return response
