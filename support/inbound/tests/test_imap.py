"""The IMAP path against a real Dovecot server started by the test on loopback.

Dovecot (Debian's dovecot-imapd, installed by scripts/system-packages) runs as
a non-root process with a generated configuration in a temporary folder: one
passwd-file user, plaintext login allowed on 127.0.0.1 only, a free high port.
Where Dovecot is missing or cannot start, the tests are skipped and say why.
"""

import datetime
import grp
import imaplib
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from support.inbound import tasks
from support.inbound.models import InboundEmail

from .conftest import message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings")]
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD = "support@example.com", "imap-test-password"
FIXTURES = ["outlook_reply", "gmail_reply", "foxmail_gbk", "bounce", "broken"]

CONFIG = """
base_dir = {work}/run
state_dir = {work}/state
log_path = {work}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {work}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={work}/home/%u
}}
mail_location = maildir:~/Maildir
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
  }}
}}
service anvil {{
  chroot =
}}
"""
TLS = "ssl = required\nssl_cert = <{work}/cert.pem\nssl_key = <{work}/key.pem"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_dovecot(tls=False):
    """Start Dovecot as a non-root process; yield (port, folder) or skip saying why."""
    if not os.path.exists(DOVECOT):
        pytest.skip("Dovecot is not installed (scripts/system-packages installs dovecot-imapd).")
    account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    work = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
    work.chmod(0o755)
    for folder in ("run", "state", "home"):
        (work / folder).mkdir()
    if tls:
        write_self_signed_certificate(work)
    port = free_port()
    (work / "dovecot.conf").write_text(
        CONFIG.format(
            work=work,
            tls=TLS.format(work=work) if tls else "ssl = no",
            user=account.pw_name,
            group=grp.getgrgid(account.pw_gid).gr_name,
            uid=account.pw_uid,
            gid=account.pw_gid,
            imap_port=0 if tls else port,
            imaps_port=port if tls else 0,
        )
    )
    (work / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    command = [DOVECOT, "-F", "-c", str(work / "dovecot.conf")]
    if os.geteuid() == 0:  # never run the server as root: hand everything to "nobody"
        shutil.chown(work, account.pw_uid, account.pw_gid)
        for path in work.rglob("*"):
            shutil.chown(path, account.pw_uid, account.pw_gid)
        command = ["runuser", "-u", account.pw_name, "--", *command]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        if not _wait_for_port(port, process):
            ended = process.poll() is not None
            output = process.stdout.read().decode(errors="replace") if ended else ""
            log = (work / "dovecot.log").read_text() if (work / "dovecot.log").exists() else ""
            pytest.skip(f"Dovecot could not be started here: {output or log or 'no answer'}")
        yield port, work
    finally:
        pid_file = work / "run" / "master.pid"
        if pid_file.exists():
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def write_self_signed_certificate(folder):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _wait_for_port(port, process, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture
def dovecot():
    with running_dovecot() as (port, _folder):
        yield port


@pytest.fixture
def mailbox(dovecot, settings):
    settings.IMAP_HOST = "127.0.0.1"
    settings.IMAP_PORT = dovecot
    settings.IMAP_SSL = False
    settings.IMAP_USER = USER
    settings.IMAP_PASSWORD = PASSWORD
    settings.IMAP_FOLDER = "INBOX"
    settings.IMAP_PROCESSED_FOLDER = ""
    imap = imaplib.IMAP4("127.0.0.1", dovecot)
    imap.login(USER, PASSWORD)
    for name in FIXTURES:
        assert imap.append("INBOX", None, None, message(name))[0] == "OK"
    already_read = b"From: read@example.net\r\nSubject: read before\r\n\r\nold\r\n"
    assert imap.append("INBOX", r"(\Seen)", None, already_read)[0] == "OK"
    yield imap
    imap.logout()


def flags(imap, folder):
    imap.select(folder)
    status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
    return [line for line in data if line]


def test_polling_stores_every_unseen_message_and_flags_it_seen(mailbox):
    assert tasks.poll_imap() == len(FIXTURES)
    stored = {entry.subject: entry for entry in InboundEmail.objects.all()}
    assert len(stored) == len(FIXTURES)
    assert {entry.source for entry in stored.values()} == {"imap"}
    assert stored["回复: 网站打开很慢，后台超时"].raw_bytes.replace(b"\r\n", b"\n") == message(
        "foxmail_gbk"
    ).replace(b"\r\n", b"\n")
    assert stored["Undelivered Mail Returned to Sender"].status == "ignored_automatic"
    assert InboundEmail.objects.filter(status="failed", from_address="").count() == 1  # broken
    mailbox.select("INBOX")
    assert mailbox.uid("SEARCH", None, "UNSEEN")[1] == [b""]
    assert mailbox.uid("SEARCH", None, "ALL")[1][0].split() == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert tasks.poll_imap() == 0  # nothing new, nothing twice
    assert InboundEmail.objects.count() == len(FIXTURES)


def test_polling_moves_processed_messages_to_a_folder(mailbox, settings):
    settings.IMAP_PROCESSED_FOLDER = "Processed"
    assert tasks.poll_imap() == len(FIXTURES)
    mailbox.select("INBOX")
    assert mailbox.uid("SEARCH", None, "ALL")[1][0].split() == [b"6"]  # only the one read before
    mailbox.select('"Processed"')
    moved = mailbox.uid("SEARCH", None, "SEEN")[1][0].split()
    assert len(moved) == len(FIXTURES)


def test_without_move_the_copy_exists_before_the_original_goes(mailbox, settings, monkeypatch):
    """Servers without MOVE: COPY, then \\Deleted, then EXPUNGE of our messages only."""
    settings.IMAP_PROCESSED_FOLDER = "Processed"
    someone_elses = b"From: x@example.net\r\nSubject: deleted by a person\r\n\r\nx\r\n"
    assert mailbox.append("INBOX", r"(\Seen \Deleted)", None, someone_elses)[0] == "OK"
    connect = tasks.connect

    def connect_without_move():
        imap = connect()
        imap.capabilities = tuple(cap for cap in imap.capabilities if cap != "MOVE")
        return imap

    monkeypatch.setattr(tasks, "connect", connect_without_move)
    assert tasks.poll_imap() == len(FIXTURES)
    mailbox.select("INBOX")
    assert mailbox.uid("SEARCH", None, "ALL")[1][0].split() == [b"6", b"7"]
    mailbox.select('"Processed"')
    assert len(mailbox.uid("SEARCH", None, "ALL")[1][0].split()) == len(FIXTURES)


def test_a_message_that_could_not_be_stored_stays_unseen(mailbox, settings, monkeypatch):
    settings.IMAP_PROCESSED_FOLDER = "Processed"

    def database_down(raw, source):
        raise ConnectionError("database is down")

    monkeypatch.setattr(tasks, "ingest", database_down)
    with pytest.raises(ConnectionError):
        tasks.poll_imap()
    mailbox.select("INBOX")
    assert len(mailbox.uid("SEARCH", None, "UNSEEN")[1][0].split()) == len(FIXTURES)
    assert InboundEmail.objects.count() == 0
    monkeypatch.undo()
    assert tasks.poll_imap() == len(FIXTURES)  # and the next run picks them up


def test_wrong_password_raises_and_stores_nothing(mailbox, settings):
    settings.IMAP_PASSWORD = "wrong"
    with pytest.raises(imaplib.IMAP4.error):
        tasks.poll_imap()
    assert InboundEmail.objects.count() == 0


def test_polling_over_ssl_the_default(settings, monkeypatch):
    """IMAP_SSL is on by default: the certificate is checked (here against our own test CA)."""
    with running_dovecot(tls=True) as (port, folder):
        trusting_our_certificate = ssl.create_default_context(cafile=str(folder / "cert.pem"))
        imap = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=trusting_our_certificate)
        imap.login(USER, PASSWORD)
        imap.append("INBOX", None, None, message("outlook_big5"))
        imap.logout()
        settings.IMAP_HOST, settings.IMAP_PORT = "127.0.0.1", port
        settings.IMAP_SSL, settings.IMAP_USER, settings.IMAP_PASSWORD = True, USER, PASSWORD
        settings.IMAP_FOLDER, settings.IMAP_PROCESSED_FOLDER = "INBOX", ""
        with pytest.raises(ssl.SSLCertVerificationError):
            tasks.poll_imap()  # an unknown certificate is refused
        assert InboundEmail.objects.count() == 0
        monkeypatch.setattr(tasks.ssl, "create_default_context", lambda: trusting_our_certificate)
        assert tasks.poll_imap() == 1
        assert InboundEmail.objects.get().subject == "回覆: 帳單金額有誤"
