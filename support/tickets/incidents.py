"""Tickets joined to incidents: staff link and unlink them (from the ticket, from the
incident, in bulk from the queue), and an incident's update is posted to its linked
tickets together — a public reply on each, in the requester's language where the update
has it, sent by django-q2 through the outbox (services.reply_to_many)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext
from django_q.tasks import async_task

from portal.net import absolute_url

from . import services
from .models import Ticket, TimelineEvent

Kind = TimelineEvent.Kind


def linked_tickets(incident):
    """Every ticket linked to the incident, open ones first, with what its page shows."""
    return (
        Ticket.objects.filter(incident=incident)
        .select_related("organization", "requester")
        .order_by("status", "next_due_at", "pk")
    )


def open_linked_tickets(incident):
    """The linked tickets an update can still be posted to."""
    return Ticket.objects.filter(incident=incident, status__in=Ticket.ACTIVE_STATES)


def link(incident, tickets, *, by):
    """Link each ticket to the incident (moving it from another one), each with its timeline
    entry; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for ticket in tickets:
            if ticket.incident_id != incident.pk:
                services.change_incident(ticket, incident, by=by)
                changed += 1
    return changed


def unlink(incident, tickets, *, by):
    """Take each ticket off the incident, each with its timeline entry."""
    changed = 0
    with transaction.atomic():
        for ticket in tickets:
            if ticket.incident_id == incident.pk:
                services.change_incident(ticket, None, by=by)
                changed += 1
    return changed


def reply_language(update, language):
    """The language a ticket's copy of the update is written in: the requester's when the
    update has its text in it, else English — whole, never half one and half the other."""
    from support.status.models import content_language

    if content_language(language) == "zh-hans" and update.body_zh_hans:
        return "zh-hans"
    return "en"


def reply_body(update, language):
    """The public reply that carries `update` to a ticket of a person speaking `language`."""
    from support.status.models import IncidentStatus

    incident = update.incident
    with translation.override(reply_language(update, language)):
        heading = gettext("Update on the incident “%(name)s”: %(status)s") % {
            "name": incident.local_name,
            "status": IncidentStatus(update.status).label,
        }
        parts = [f"**{heading}**", update.local("body")]
        if not incident.is_private:  # a private incident isn't on the status page
            url = f"<{absolute_url(incident.get_absolute_url())}>"  # a link in Markdown
            parts.append(gettext("Follow the incident on the status page: %(url)s") % {"url": url})
    return "\n\n".join(parts)


def queue_update_for_tickets(update, ticket_ids, *, author, solve=False):
    """After the update commits, django-q2 posts it to these tickets (ids, not objects)."""
    ticket_ids = sorted(ticket_ids)
    if not ticket_ids:
        return
    transaction.on_commit(
        lambda: async_task(
            "support.tickets.incidents.post_update_to_tickets",
            update.pk,
            ticket_ids,
            author.pk,
            solve,
            task_name=f"incident update {update.pk} to {len(ticket_ids)} tickets",
        )
    )


def post_update_to_tickets(update_id, ticket_ids, author_id, solve=False):
    """The task: one public reply carrying the update on each ticket still linked and active
    (and, with `solve`, each solved afterwards). A ticket that already has this update is
    skipped, so a retried task posts nothing twice. Returns how many tickets got it."""
    from support.status.models import IncidentUpdate

    update = IncidentUpdate.objects.select_related("incident").get(pk=update_id)
    author = get_user_model().objects.get(pk=author_id)
    already = TimelineEvent.objects.filter(
        ticket=OuterRef("pk"), kind=Kind.INCIDENT_UPDATE, data__update=update.pk
    )
    tickets = list(
        Ticket.objects.filter(
            pk__in=ticket_ids, incident_id=update.incident_id, status__in=Ticket.ACTIVE_STATES
        )
        .exclude(Exists(already))
        .select_related("organization", "requester", "sla_calendar")
        .prefetch_related("sla_calendar__holidays")
        .order_by("pk")
    )
    bodies = {ticket.pk: reply_body(update, ticket.requester.language) for ticket in tickets}
    event = (
        Kind.INCIDENT_UPDATE,
        {"incident": update.incident.name, "update": update.pk, "status": update.status},
    )
    messages = services.reply_to_many(
        tickets,
        author=author,
        bodies=bodies,
        status=Ticket.Status.SOLVED if solve else None,
        event=event,
        counted=update.incident.is_published,  # support.oncall counted it when it was posted
    )
    return len(messages)
