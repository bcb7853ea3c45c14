"""Polling the support mailbox over IMAP (a django-q2 schedule, every minute).

Each unseen message is fetched without marking it read (BODY.PEEK), ingested
(committed), and only then flagged \\Seen and, when IMAP_PROCESSED_FOLDER is set,
moved there. Nothing is deleted before the message is safely in the database;
if the database is down the message stays unseen and is fetched next time (the
Message-ID check makes a second fetch harmless).
"""

import imaplib
import logging
import ssl

from django.conf import settings
from django.core.cache import cache

from .ingest import ingest
from .models import InboundEmail

log = logging.getLogger(__name__)
BATCH = 100
LOCK = "inbound:imap-poll-lock"
LOCK_SECONDS = 15 * 60


def poll_imap():
    """Fetch and ingest unseen messages; return how many were ingested."""
    if not settings.IMAP_HOST:
        return 0
    if not cache.add(LOCK, 1, LOCK_SECONDS):  # the previous run is still going
        return 0
    try:
        imap = connect()
        try:
            return fetch_unseen(imap)
        finally:
            _logout(imap)
    finally:
        cache.delete(LOCK)


def connect():
    host, port = settings.IMAP_HOST, settings.IMAP_PORT
    if settings.IMAP_SSL:
        imap = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=60)
    else:
        imap = imaplib.IMAP4(host, port, timeout=60)
        if "STARTTLS" in imap.capabilities:
            imap.starttls(ssl.create_default_context())
    imap.login(settings.IMAP_USER, settings.IMAP_PASSWORD)
    status, data = imap.capability()  # servers announce more (e.g. MOVE) once logged in
    if status == "OK" and data and data[0]:
        imap.capabilities = tuple(data[0].decode("ascii", "replace").upper().split())
    return imap


def fetch_unseen(imap):
    _check(imap.select(quote(settings.IMAP_FOLDER)), "select the folder")
    moving = bool(settings.IMAP_PROCESSED_FOLDER)
    if moving:
        imap.create(quote(settings.IMAP_PROCESSED_FOLDER))  # fails harmlessly when it exists
    uids = _check(imap.uid("SEARCH", None, "UNSEEN"), "search")[0].split()[:BATCH]
    copied, count = [], 0
    try:
        for uid in uids:
            raw = _fetch(imap, uid)
            if raw is None:
                continue
            ingest(raw, InboundEmail.Source.IMAP)
            count += 1
            _check(imap.uid("STORE", uid, "+FLAGS", r"(\Seen)"), "flag as seen")
            if moving:
                copied += _move(imap, uid, settings.IMAP_PROCESSED_FOLDER)
    finally:
        if copied:
            _expunge(imap, copied)
    return count


def _fetch(imap, uid):
    data = _check(imap.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    log.warning("IMAP message %s had no body", uid)
    return None


def _move(imap, uid, folder):
    """Move one message; return [uid] when it was copied and still needs expunging."""
    if "MOVE" in imap.capabilities:
        _check(imap.uid("MOVE", uid, quote(folder)), "move")
        return []
    # Copied first: the \Deleted flag only goes on once the copy exists.
    _check(imap.uid("COPY", uid, quote(folder)), "copy")
    _check(imap.uid("STORE", uid, "+FLAGS", r"(\Deleted)"), "flag as moved")
    return [uid]


def _expunge(imap, uids):
    """Remove the copied originals; only ours when the server can (UIDPLUS)."""
    if "UIDPLUS" in imap.capabilities:
        imap.uid("EXPUNGE", b",".join(uids).decode())
    else:
        imap.expunge()


def quote(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(response, doing):
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"IMAP server refused to {doing}: {data!r}")
    return data


def _logout(imap):
    try:
        imap.logout()
    except (imaplib.IMAP4.error, OSError):
        log.warning("IMAP logout failed", exc_info=True)
