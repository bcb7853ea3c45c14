"""Listen to the ticket timeline, staff replies and incident updates; nothing in the
tickets or status apps has to know about webhooks."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from support.status.models import Incident, IncidentUpdate
from support.tickets.models import Message, TimelineEvent
from support.tickets.services import replied_together

from . import events
from .models import EventType

Kind = TimelineEvent.Kind


def may_listen(row):
    """False when the organisation of the row's ticket has no active endpoint, known without
    a query when the row came with its ticket (as the services write them); else True, and
    ticket_event asks the database."""
    if not type(row)._meta.get_field("ticket").is_cached(row):
        return True
    return row.ticket.organization_id in events.listening_organizations()


@receiver(post_save, sender=TimelineEvent, dispatch_uid="webhooks-ticket-timeline")
def ticket_changed(sender, instance, created, **kwargs):
    if not created or not may_listen(instance):
        return
    if instance.kind == Kind.CREATED:
        events.later(events.ticket_event, instance.ticket_id, EventType.TICKET_CREATED)
    elif instance.kind in (Kind.STATUS, Kind.PRIORITY):
        changes = {
            instance.kind: {"old": instance.data.get("old"), "new": instance.data.get("new")}
        }
        events.later(events.ticket_event, instance.ticket_id, EventType.TICKET_UPDATED, changes)


@receiver(post_save, sender=Message, dispatch_uid="webhooks-staff-reply")
def staff_replied(sender, instance, created, **kwargs):
    if (
        created
        and not instance.internal
        and instance.author
        and instance.author.is_staff
        and may_listen(instance)
    ):
        events.later(
            events.ticket_event, instance.ticket_id, EventType.TICKET_REPLIED, None, instance.pk
        )


@receiver(replied_together, dispatch_uid="webhooks-replied-together")
def replied_together_on_many(sender, messages, entries, **kwargs):
    """The same events as a reply and a status change on each ticket, looked at together."""
    items = [
        (message.ticket_id, EventType.TICKET_REPLIED, None, message.pk)
        for message in messages
        if not message.internal
    ]
    items += [
        (event.ticket_id, EventType.TICKET_UPDATED, {event.kind: event.data})
        for event in entries
        if event.kind == Kind.STATUS
    ]
    if items:
        events.later(events.ticket_events, items)


@receiver(post_save, sender=IncidentUpdate, dispatch_uid="webhooks-incident-update")
def incident_updated(sender, instance, created, **kwargs):
    if created:
        events.later(events.incident_event_for_update, instance.pk)


@receiver(post_save, sender=Incident, dispatch_uid="webhooks-incident-published")
def incident_published(sender, instance, created, update_fields=None, **kwargs):
    """A draft made public: its customers hear of it now."""
    published = bool(update_fields) and "is_published" in update_fields and instance.is_published
    if not created and published:
        events.later(events.incident_event, instance.pk, EventType.INCIDENT_CREATED)
