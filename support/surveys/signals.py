from django.db import transaction
from django.dispatch import receiver
from django_q.tasks import async_task

from support.tickets.services import ticket_solved


@receiver(ticket_solved, dispatch_uid="surveys.queue_csat_survey")
def queue_csat_survey(sender, ticket, **kwargs):
    """Ask for a rating once the solve is committed (never for a rolled-back one)."""
    transaction.on_commit(lambda: async_task("support.surveys.tasks.send_csat_survey", ticket.pk))
