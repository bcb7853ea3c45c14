"""Events customers' endpoints hear about. Each event becomes one Delivery row per
subscribed endpoint of the organisations concerned, then django-q2 sends them.

Rows are written right after the change commits (transaction.on_commit): the payload then
shows the committed state, and a change that rolls back sends nothing."""

from functools import partial

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from support.api.serializers import IncidentSerializer, MessageSerializer, TicketSerializer
from support.tickets.cache import ticket_setup

from .models import Delivery, Endpoint, EventType


def listening_organizations():
    """The organisations with an active endpoint (a handful): the ticket signals skip the
    others without a query. Kept with what opening a ticket reads (support/tickets/cache.py)
    until an endpoint is saved or deleted."""
    return ticket_setup.cached(
        "organizations",
        lambda: frozenset(
            Endpoint.objects.filter(is_active=True).values_list("organization_id", flat=True)
        ),
    )


def queue(event_type, endpoints, data):
    now = timezone.now()
    rows = [
        Delivery(
            endpoint=endpoint,
            event_type=event_type,
            payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
        )
        for endpoint in endpoints
    ]
    Delivery.objects.bulk_create(rows)
    if rows:
        from .tasks import schedule

        ids = [row.pk for row in rows]
        transaction.on_commit(partial(schedule, ids))
    return rows


def later(function, *args):
    transaction.on_commit(partial(function, *args))


def ticket_event(ticket_id, event_type, changes=None, message_id=None):
    from support.tickets.models import Message, Ticket

    # The endpoints first: most organisations have none, and then this is the only query.
    endpoints = Endpoint.objects.filter(organization__tickets=ticket_id).listening_to(event_type)
    if not endpoints:
        return []
    ticket = Ticket.objects.select_related("category", "requester").filter(pk=ticket_id).first()
    if ticket is None:
        return []
    data = {"ticket": TicketSerializer(ticket).data}
    if changes:
        data["changes"] = changes
    if message_id:
        message = (
            Message.objects.filter(pk=message_id, internal=False)
            .select_related("author")
            .prefetch_related("attachments__ticket")
            .first()
        )
        if message is None:
            return []
        data["message"] = MessageSerializer(message).data
    with transaction.atomic():
        return queue(event_type, endpoints, data)


def ticket_events(items):
    """ticket_event for many tickets at once ((ticket id, event type, changes[, message id])
    each): two queries find the few organisations with endpoints; only their tickets cost more."""
    from support.tickets.models import Ticket

    organizations = dict(
        Ticket.objects.filter(pk__in={item[0] for item in items}).values_list(
            "pk", "organization_id"
        )
    )
    listening = set(
        Endpoint.objects.filter(
            organization_id__in=set(organizations.values()), is_active=True
        ).values_list("organization_id", flat=True)
    )
    rows = []
    for ticket_id, *rest in items:
        if organizations.get(ticket_id) in listening:
            rows += ticket_event(ticket_id, *rest)
    return rows


def incident_event(incident_id, event_type):
    from support.status.models import Component, Incident, IncidentUpdate

    incident = Incident.objects.filter(pk=incident_id, is_published=True).first()
    if incident is None:
        return []
    endpoints = list(
        Endpoint.objects.filter(
            organization__services__status_components__incidents=incident
        ).distinct()
    )
    rows = []
    updates = IncidentUpdate.objects.filter(display_at__lte=timezone.now()).order_by(
        "-display_at", "-pk"
    )
    with transaction.atomic():
        for organization_id in {endpoint.organization_id for endpoint in endpoints}:
            listening = [
                endpoint
                for endpoint in endpoints
                if endpoint.organization_id == organization_id
                and endpoint.is_active
                and event_type in endpoint.events
            ]
            if not listening:
                continue
            theirs = Component.objects.filter(services__organization_id=organization_id).distinct()
            incident = Incident.objects.prefetch_related(
                Prefetch("components", queryset=theirs, to_attr="customer_components"),
                Prefetch("updates", queryset=updates, to_attr="public_updates"),
            ).get(pk=incident_id)
            rows += queue(event_type, listening, {"incident": IncidentSerializer(incident).data})
    return rows


def incident_event_for_update(update_id):
    from support.status.models import IncidentUpdate

    update = IncidentUpdate.objects.select_related("incident").filter(pk=update_id).first()
    if update is None or not update.incident.is_published:
        return []
    incident = update.incident
    if incident.updates.count() == 1:
        event_type = EventType.INCIDENT_CREATED
    elif incident.is_resolved:
        event_type = EventType.INCIDENT_RESOLVED
    else:
        event_type = EventType.INCIDENT_UPDATED
    return incident_event(incident.pk, event_type)
