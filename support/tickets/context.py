"""What an agent needs to know about the customer beside a ticket, in a fixed number of
queries: organisation, the requester's other open tickets, the organisation's services with the
live status of their components, incidents touching them, the last satisfaction score.
The organisation's part is kept per organisation until one of those changes (cache.py):
agents open many tickets of the same customer in a row."""

from django.db import connection
from django.db.models import Prefetch, Q

from portal.kept_sql import KeptQuery
from support.status.models import Component, Incident
from support.surveys.models import CsatResponse

from .cache import customer_context_cache
from .models import Ticket


def customer_context(ticket):
    organization = ticket.organization  # with account_manager, selected by the caller
    related = related_tickets(ticket.requester_id, ticket.pk)
    ticket.merged_from = [other for other in related if other.merged_into_id == ticket.pk]
    other_open = [other for other in related if other.merged_into_id != ticket.pk]
    kept = customer_context_cache.cached(
        f"organization:{organization.pk}", lambda: organization_context(organization)
    )
    return {
        "organization": organization,
        "other_open": other_open,
        **kept,
    }


@KeptQuery
def related_tickets(requester_id, ticket_id):
    """The requester's five most recent other open tickets and the tickets merged into this
    one, in one query."""
    shown = ("pk", "reference", "subject", "status", "priority", "merged_into_id")
    recent = (  # through the index of open tickets by requester
        Ticket.objects.filter(status__in=Ticket.ACTIVE_STATES, requester_id=requester_id)
        .exclude(pk=ticket_id)
        .only(*shown, "last_activity_at")
        .order_by("-last_activity_at")[:5]
    )
    merged = Ticket.objects.filter(merged_into_id=ticket_id).only(*shown, "last_activity_at")
    # A UNION where the database allows a LIMIT inside one (PostgreSQL): an OR of the two
    # reads the whole table there.
    if connection.features.supports_slicing_ordering_in_compound:
        related = recent.union(merged)
    else:
        related = Ticket.objects.filter(Q(pk__in=recent.values("pk")) | Q(merged_into_id=ticket_id))
        related = related.only(*shown, "last_activity_at")
    return related.order_by("-last_activity_at")


def organization_context(organization):
    """What the page shows of the organisation that isn't on the ticket: kept (cache.py)
    until a service, a component, an incident or a satisfaction answer changes."""
    services = list(  # 2 queries
        organization.services.prefetch_related(
            Prefetch(
                "status_components",
                queryset=Component.objects.order_by("order", "name"),
                to_attr="components",
            )
        )
    )
    incidents = list(  # 1 query
        Incident.objects.active()
        .filter(components__services__organization=organization)
        .distinct()
        .order_by("-started_at")[:5]
    )
    last_csat = (  # 1 query
        CsatResponse.objects.filter(survey__ticket__organization=organization)
        .select_related("survey__ticket")
        .order_by("-created_at")
        .first()
    )
    return {"services": services, "incidents": incidents, "last_csat": last_csat}
