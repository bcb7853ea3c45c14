import sys

from django.core.management.base import BaseCommand

from support.inbound.ingest import ingest
from support.inbound.models import InboundEmail

EX_DATAERR = 65
EX_TEMPFAIL = 75  # mail servers keep the message and try the pipe again later


class Command(BaseCommand):
    help = "Store one raw email read from standard input (for a mail server's pipe)."

    def handle(self, *args, **options):
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            self.stderr.write("No message on standard input.")
            sys.exit(EX_DATAERR)
        try:
            entry = ingest(raw, InboundEmail.Source.PIPE)
        except Exception as error:  # e.g. the database is down: let the mail server retry
            self.stderr.write(f"Could not store the message: {error!r}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(describe(entry))


def describe(entry):
    """What ingest did, truthfully: stored (and what happened), or already stored before."""
    if not entry.created:
        return (
            f"Already stored as inbound email {entry.pk} (the same message arrived before); "
            f"nothing done. Status: {entry.get_status_display()}"
        )
    line = f"Stored inbound email {entry.pk}: {entry.get_status_display()}"
    others = list(entry.same_message_id().values_list("pk", flat=True)[:5])
    if others:
        numbers = ", ".join(str(pk) for pk in others)
        line += f" (another message with the same Message-ID and other content: {numbers})"
    return line
