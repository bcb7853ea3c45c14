"""Nodes of the portal for the scale-out tests: gunicorn in development mode (plain cookies,
so `requests` sessions work), each with its own disk, on the shared test database."""

import re
from contextlib import contextmanager

from .servers import Gunicorn, database_url, free_port, server_environment

__all__ = [
    "csrf_token",
    "database_url",
    "free_port",
    "gunicorn_node",
    "node_environment",
    "sign_in",
]


def node_environment(tmp_path, name, **extra):
    """What a node reads at start: the test database, a disk of its own, and `extra`."""
    var = tmp_path / name
    var.mkdir(exist_ok=True)
    own = {
        "DEBUG": "1",
        "SECRET_KEY": "nodes-share-one-secret-key-for-sessions",
        "VAR_DIR": str(var),
        "MEDIA_ROOT": str(var / "media"),
    }
    return server_environment(**{**own, **extra})


@contextmanager
def gunicorn_node(env, workers=1):
    """A gunicorn node on a free loopback port; yields its base URL."""
    node = Gunicorn(workers=workers, **env)
    try:
        yield f"http://127.0.0.1:{node.port}"
    finally:
        node.stop()


def csrf_token(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def sign_in(session, base_url, email, password):
    page = session.get(f"{base_url}/accounts/login/")
    response = session.post(
        f"{base_url}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": f"{base_url}/accounts/login/"},
    )
    assert "sessionid" in session.cookies, response.text[:500]
    return response
