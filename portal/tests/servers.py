"""Real servers for tests about several processes: gunicorn on loopback, django-q2 clusters,
a plain HTTP client.

The servers run with production settings (DEBUG off) against the test database, so
cookies are marked Secure: the client keeps them itself instead of a cookie jar.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie

from django.conf import settings
from django.db import connection


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name=None):
    """The test database (or another on its server), as a URL for processes the test starts."""
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{name or db['NAME']}"


def server_environment(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "REDIS_URL", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        STAFF_MFA_REQUIRED="0",
        DATABASE_URL=database_url(),
        DATABASE_CONN_MAX_AGE="0",
        LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


class Gunicorn:
    """gunicorn on a free loopback port; its error output goes to `log_path` when given (a
    pipe fills up and stalls the server when a test makes it log much)."""

    def __init__(self, workers=2, extra_args=(), log_path=None, **env):
        self.port = free_port()
        self.log_path = log_path
        self.log = open(log_path, "wb") if log_path else None  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                *extra_args,
            ],
            cwd=settings.BASE_DIR,
            env=server_environment(**env),
            stdout=subprocess.DEVNULL,
            stderr=self.log or subprocess.PIPE,
        )
        self.wait_until_ready()

    def errors(self):
        if self.log_path:
            return self.log_path.read_bytes().decode(errors="replace")
        return self.process.stderr.read().decode(errors="replace")

    def wait_until_ready(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.errors())
            try:
                if Client(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self, sig=signal.SIGKILL):
        """SIGKILL the master and its workers (no graceful shutdown)."""
        if self.process.poll() is not None:
            return
        workers = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        self.process.send_signal(sig)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), sig)
        self.process.wait(timeout=20)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.process.stderr:
            self.process.stderr.close()
        if self.log:
            self.log.close()


class Cluster:
    """A django-q2 cluster (`manage.py qcluster`) in a process group of its own, logging to
    `log_path`, so that `kill()` takes its sentinel, pusher, monitor and workers down too."""

    def __init__(self, log_path, **env):
        self.log_path = log_path
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=settings.BASE_DIR,
            env=server_environment(LOG_LEVEL="INFO", **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_running(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            output = self.log_path.read_bytes()
            if b" running." in output:
                return
            if self.process.poll() is not None:
                raise RuntimeError(output.decode(errors="replace"))
            time.sleep(0.2)
        raise RuntimeError("the django-q2 cluster did not start")

    def kill(self, sig=signal.SIGKILL):
        """SIGKILL every process of the cluster at once (no graceful shutdown)."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # the cluster stops its own processes
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        with contextlib.suppress(ProcessLookupError):  # workers left behind by a SIGTERM
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self):
        return self.body.decode(errors="replace")

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


class Client:
    """One HTTP/1.1 connection per request (so the server may hand each to another worker)."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            response = Response(answer.status, answer.getheaders(), answer.read())
        finally:
            connection.close()
        for key, value in response.headers:
            if key.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
        return response

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post_form(self, path, fields, headers=None):
        from urllib.parse import urlencode

        return self.request(
            "POST",
            path,
            body=urlencode(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    def csrf_token(self, path):
        page = self.get(path).text
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
