"""SLA digests: one email per person per sweep run, listing the tickets that breached, are
due soon or need a customer update, instead of one email per ticket.

The sweep's batches store DigestLine rows in their own transactions; `send()` turns
every stored line into the digests and deletes the lines, in one transaction and a fixed
number of queries however many lines there are. Each digest lists at most DIGEST_LINES
tickets and counts the rest (with a link to the back office's queue), so a backlog of
thousands never makes one giant message.
"""

from collections import defaultdict

from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Max, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from portal.emails import build_email_to_user
from portal.net import absolute_url

from .models import DigestLine

DIGEST_LINES = 50
TARGET_LABELS = {
    "first_response": _("first response"),
    "resolution": _("resolution"),
    "": _("customer update"),
}
LOCK = 727_017  # pg_try_advisory_xact_lock key: one sender of digests at a time


def send(limit=DIGEST_LINES):
    """Queue one digest per person with stored lines; returns how many emails."""
    with transaction.atomic():
        if not sender_lock():
            return 0  # another run is sending them right now; its digests include these
        upto = DigestLine.objects.aggregate(last=Max("pk"))["last"]
        if upto is None:
            return 0
        stored = DigestLine.objects.filter(pk__lte=upto)
        numbered = stored.annotate(
            number=Window(RowNumber(), partition_by=[F("person_id")], order_by=F("pk").asc()),
            total=Window(Count("pk"), partition_by=[F("person_id")]),
        )
        shown = numbered.filter(number__lte=limit).select_related("person", "ticket__organization")
        by_person, totals = defaultdict(list), {}
        for line in shown.order_by("person_id", "pk"):
            by_person[line.person_id].append(line)
            totals[line.person_id] = line.total
        messages = [
            digest(lines[0].person, lines, totals[person_id])
            for person_id, lines in by_person.items()
            if lines[0].person.is_active
        ]
        if messages:
            get_connection().send_messages(messages)
        stored.delete()
    return len(messages)


def sender_lock():
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK])
        return cursor.fetchone()[0]


def digest(person, lines, total):
    """The email for one person: their lines grouped by kind, the rest counted."""
    groups = defaultdict(list)
    for line in lines:
        line.url = absolute_url(f"/admin/tickets/ticket/{line.ticket_id}/change/")
        line.target_label = TARGET_LABELS.get(line.target, TARGET_LABELS[""])
        groups[line.kind].append(line)
    context = {
        "total": total,
        "more": total - len(lines),
        "breaches": groups[DigestLine.Kind.BREACH],
        "warnings": groups[DigestLine.Kind.WARNING],
        "updates": groups[DigestLine.Kind.UPDATE],
        "queue_url": absolute_url("/admin/tickets/ticket/?view=breached_today"),
        "admin_url": absolute_url("/admin/tickets/ticket/"),
    }
    return build_email_to_user(
        person, "tickets/email/staff_sla_digest", context, {"Auto-Submitted": "auto-generated"}
    )
