"""Background jobs (django-q2): the CSAT email after a solve and due NPS campaigns."""

from django.utils import timezone

from . import services


def send_csat_survey(ticket_id):
    from support.tickets.models import Ticket

    ticket = Ticket.objects.select_related("requester", "organization").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED):
        return None
    survey = services.send_csat_survey(ticket)
    return survey.pk if survey else None


def send_due_campaigns():
    """Run every few minutes: send the campaigns whose time has come."""
    now = timezone.now()
    return {
        campaign.pk: services.send_campaign(campaign, now)
        for campaign in services.due_campaigns(now)
    }
