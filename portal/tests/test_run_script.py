"""`make run`'s script: serves on PORT with SITE_URL to match; Ctrl-C stops everything in 10 s."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def descendants(pid):
    """Every process below `pid`, read from /proc (whatever session they moved to)."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def as_in_a_terminal():
    """Ctrl-C as a terminal gives it to the command it runs. The tests may run with SIGINT
    ignored (a shell's background job starts so), and a shell started with a signal ignored
    can't trap it: the script would never hear the Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def database_url():
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("needs the PostgreSQL test database (scripts/test)")
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_ctrl_c_stops_the_web_server_and_the_cluster_within_10_seconds(tmp_path):
    port = free_port()
    environment = {
        **os.environ,
        "PORT": str(port),
        "DEBUG": "1",
        "DATABASE_URL": database_url(),
        "VAR_DIR": str(tmp_path),
        "Q_WORKERS": "2",
    }
    environment.pop("SITE_URL", None)
    environment.pop("PORT_BIND", None)
    # Its output goes to a file, as to a terminal: a pipe nobody reads would fill up and
    # block the script's own last words.
    output = tmp_path / "run.log"
    script = subprocess.Popen(
        ["scripts/run"],
        cwd=settings.BASE_DIR,
        env=environment,
        start_new_session=True,  # a terminal of its own: Ctrl-C goes to its process group
        preexec_fn=as_in_a_terminal,
        stdout=output.open("wb"),
        stderr=subprocess.STDOUT,
    )
    processes = {}
    try:
        deadline = time.monotonic() + 90
        while True:
            assert script.poll() is None, output.read_text(errors="replace")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    pass
            except OSError:
                assert time.monotonic() < deadline, "the web server never answered"
                time.sleep(0.5)
                continue
            processes = {pid: command_line(pid) for pid in descendants(script.pid)}
            if any("qcluster" in line for line in processes.values()) and len(processes) >= 4:
                break
            assert time.monotonic() < deadline, processes
            time.sleep(0.5)

        web = [pid for pid, line in processes.items() if "runserver" in line]
        site_url = Path(f"/proc/{web[-1]}/environ").read_bytes().split(b"\0")
        assert f"SITE_URL=http://127.0.0.1:{port}".encode() in site_url

        os.killpg(script.pid, signal.SIGINT)  # what Ctrl-C in the terminal does
        started = time.monotonic()
        try:
            script.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pytest.fail(
                "still running 15 s after Ctrl-C:\n" + output.read_text(errors="replace")[-4000:]
            )
        while any(alive(pid) for pid in processes) and time.monotonic() - started < 15:
            time.sleep(0.1)
        stopped_after = time.monotonic() - started
        left = {pid: processes[pid] for pid in processes if alive(pid)}
        assert not left, left
        assert stopped_after < 10
        assert "has stopped" in output.read_text(), "the cluster was killed, not stopped"
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
        for pid in [*descendants(script.pid), *processes]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
