import os
import subprocess
import sys

from django.conf import settings
from django.test import RequestFactory

from portal.net import client_ip


def run_check(command="check", **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", *command.split()],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_without_debug_the_portal_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_check(DEBUG="0", VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_checking_the_migrations_needs_no_secret_key(tmp_path):
    result = run_check("makemigrations --check --dry-run", DEBUG="0", VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    assert not (tmp_path / "secret_key").exists()


def test_in_development_a_secret_key_is_generated_once_and_kept(tmp_path):
    assert run_check(DEBUG="1", VAR_DIR=str(tmp_path)).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) > 40
    run_check(DEBUG="1", VAR_DIR=str(tmp_path))
    assert (tmp_path / "secret_key").read_text() == key


def test_task_timeout_is_shorter_than_retry():
    assert settings.Q_CLUSTER["timeout"] < settings.Q_CLUSTER["retry"]


def test_client_ip_trusts_forwarded_for_only_as_far_as_our_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"  # the client our own proxy saw, not a forged hop
