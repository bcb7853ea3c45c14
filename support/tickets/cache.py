"""What opening a ticket reads that staff seldom change: the new-ticket form's choices as
drawn for an empty form, the SLA policies with their calendars and holidays, and which
organisations listen for webhooks. One versioned cache (portal/fastcache.py) holds them, so
a submit or a form costs at most one version check a second, not a query each; any change
to those rows drops them all (signals connected by the app's ready(); bulk writes, such as
loading public holidays, call `ticket_setup.invalidate()` themselves)."""

from django.db.models.signals import post_delete, post_save

from portal.fastcache import VersionedCache

ticket_setup = VersionedCache("ticket-setup", ttl=300)
# The new-ticket form's services of an organisation and colleagues of a person, as drawn for
# an empty form: dropped when a service, a membership or a person's name, address or being
# active changes (a minute at most for bulk updates, which send no signal).
form_people = VersionedCache("ticket-form-people", ttl=60)
PERSON_SHOWN = {"full_name", "email", "is_active"}


def connect_signals():
    from accounts.models import Membership, Service, User
    from support.webhooks.models import Endpoint

    from .models import BusinessCalendar, Category, Holiday, SlaPolicy, Team

    ticket_setup.invalidate_on_change(
        Category, Team, SlaPolicy, BusinessCalendar, Holiday, Endpoint
    )
    form_people.invalidate_on_change(Service, Membership)
    post_save.connect(person_saved, sender=User, dispatch_uid="ticket-form-people-user-save")
    post_delete.connect(
        form_people.invalidate, sender=User, dispatch_uid="ticket-form-people-user-delete"
    )
    connect_ticket_page_signals()


def person_saved(update_fields=None, **_signal_arguments):
    """A sign-in saves only last_login: that changes nothing the form shows."""
    if update_fields is None or set(update_fields) & PERSON_SHOWN:
        form_people.invalidate()


# The back office's ticket page: the dropdowns' choices (staff, teams, categories, open
# incidents, canned responses) as drawn for each language. Any save or delete of those drops
# them; a person's save only when it can change the staff list (not a customer's sign-in).
ticket_page = VersionedCache("ticket-page", ttl=300)
# The ticket page's customer panel, per organisation: its services with their components'
# status, the incidents touching them and the last satisfaction answer. Any save or delete of
# a service, a status-page row or an answer drops it.
customer_context_cache = VersionedCache("customer-context", ttl=60)


def connect_ticket_page_signals():
    from accounts.models import Service, User
    from support.status.models import (
        Component,
        ComponentGroup,
        Incident,
        IncidentUpdate,
        IncidentUpdateComponent,
    )
    from support.surveys.models import CsatResponse

    from .models import Category, Macro, Team

    ticket_page.invalidate_on_change(Category, Team, Macro, Incident)
    customer_context_cache.invalidate_on_change(
        Service,
        ComponentGroup,
        Component,
        Incident,
        IncidentUpdate,
        IncidentUpdateComponent,
        CsatResponse,
        m2m=[Incident.components.through, Component.services.through],
    )

    def person_changed(sender, instance, update_fields=None, **kwargs):
        if instance.is_staff or update_fields is None or "is_staff" in update_fields:
            ticket_page.invalidate()

    post_save.connect(person_changed, sender=User, weak=False, dispatch_uid="ticket-page-person")
    post_delete.connect(
        ticket_page.invalidate, sender=User, dispatch_uid="ticket-page-person-delete"
    )
