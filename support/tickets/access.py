"""Who may see a ticket, post on it and receive its emails: the one place that decides.

The web views (`Ticket.objects.visible_to`), email intake (support.inbound.routing),
notifications (notify.customers), surveys and the API all ask here, so the answer is
the same whichever door a person comes through. Staff work tickets in the back
office, where the admin's own permissions apply.

A customer is someone with a membership in the ticket's organisation, now — a
person removed from the organisation loses everything below at once, even on
tickets they opened or were copied in on:

- Owners and admins of the organisation see and may post on all its tickets.
- Members see and may post on the tickets they requested or are copied in on.
- Emails about a ticket go to its requester and the people copied in (while they
  are members); someone removed from the copy list gets nothing more.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from accounts.models import Membership


def visible_tickets(tickets, user, membership):
    """`tickets` narrowed to what `user`, acting in `membership`'s organisation, may see."""
    if membership is None or membership.user_id != user.pk:
        return tickets.none()
    tickets = tickets.filter(organization_id=membership.organization_id)
    if membership.can_manage_members:
        return tickets
    copied = tickets.model.cc.through.objects.filter(ticket_id=OuterRef("pk"), user_id=user.pk)
    return tickets.filter(Q(requester=user) | Exists(copied))


def may_see(user, ticket):
    """True when `user` (a customer) may read `ticket`."""
    if user is None or not user.is_active:
        return False
    return user.pk in posters(ticket)


def may_post(user, ticket):
    """Who may see a ticket may also post on it (a closed one takes a follow-up instead)."""
    return may_see(user, ticket)


def posters(ticket):
    """The ids of the customers who may see and post on `ticket` (one query)."""
    copied = ticket.cc.through.objects.filter(ticket_id=ticket.pk, user_id=OuterRef("user_id"))
    memberships = Membership.objects.filter(
        organization_id=ticket.organization_id, user__is_active=True
    ).filter(
        Q(role__in=Membership.MANAGING_ROLES) | Q(user_id=ticket.requester_id) | Exists(copied)
    )
    return set(memberships.values_list("user_id", flat=True))


def email_recipients(ticket, exclude=None):
    """The customers who receive `ticket`'s emails: its requester, then the people copied in,
    each only while active and a member of its organisation (one query)."""
    member = Membership.objects.filter(
        organization_id=ticket.organization_id, user_id=OuterRef("pk")
    )
    people = (
        get_user_model()
        .objects.filter(Q(pk=ticket.requester_id) | Q(copied_tickets=ticket.pk))
        .filter(Exists(member), is_active=True)
        .distinct()
        .order_by("pk")
    )
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    people = list(people)
    people.sort(key=lambda person: person.pk != ticket.requester_id)
    return people


def email_recipients_for(tickets):
    """email_recipients() for many tickets in two queries: ticket pk → its recipients, each
    list in the same order (the requester first)."""
    tickets = list(tickets)
    if not tickets:
        return {}
    copied = tickets[0].cc.through.objects.filter(ticket_id__in=[ticket.pk for ticket in tickets])
    wanted = {ticket.pk: {ticket.requester_id} for ticket in tickets}
    for ticket_id, user_id in copied.values_list("ticket_id", "user_id"):
        wanted[ticket_id].add(user_id)
    organizations = {ticket.organization_id for ticket in tickets}
    members = Membership.objects.filter(
        organization_id__in=organizations,
        user_id__in=set().union(*wanted.values()),
        user__is_active=True,
    ).select_related("user")
    people = {(m.organization_id, m.user_id): m.user for m in members}
    found = {}
    for ticket in tickets:
        ids = sorted(wanted[ticket.pk], key=lambda pk: (pk != ticket.requester_id, pk))
        found[ticket.pk] = [
            people[ticket.organization_id, pk]
            for pk in ids
            if (ticket.organization_id, pk) in people
        ]
    return found


def receives_email(user, ticket):
    """True when `user` is one of `ticket`'s email recipients."""
    return any(person.pk == user.pk for person in email_recipients(ticket))
