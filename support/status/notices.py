"""Proactive notice: the organisations whose services run on an incident's components are
told about it by email, without subscribing to the public status page.

Who hears of it: the members of an affected organisation who want it (NoticePreference;
without one, owners and admins do and members don't), each in their own language and time
zone. When: see models.is_customer_milestone (opening, resolving, maintenance scheduled,
started, ended) and any update staff mark "notify affected customers". Private incidents
notify too: they only ever reach the organisations they touch. A scheduled maintenance
window's email carries the event as an .ics attachment.

The work runs in django-q2: one task picks the recipients and marks the update notified
(so it is sent once), then batches of tasks.BATCH_SIZE emails each go into the outbox in a fixed
number of queries.
"""

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django_q.tasks import async_task

from accounts.models import Membership, Service
from portal.emails import build_email_to_user
from portal.net import absolute_url

from .models import IncidentStatus, IncidentUpdate, NoticePreference
from .tasks import queue_in_batches


def wants_notices():
    """Memberships whose person wants notices: an explicit yes, or no choice as owner/admin."""
    return Q(user__notice_preference__wants_notices=True) | Q(
        user__notice_preference__isnull=True, role__in=Membership.MANAGING_ROLES
    )


def wants_notice(user, membership):
    """What the profile's checkbox shows: their choice, else the default for their role
    in the organisation they work in."""
    preference = NoticePreference.objects.filter(user=user).first()
    if preference is not None:
        return preference.wants_notices
    return membership is not None and membership.role in Membership.MANAGING_ROLES


def affected_services(incident_id):
    return Service.objects.filter(is_active=True, status_components__incidents=incident_id)


def notice_recipients(incident_id):
    """Memberships of the people to tell about this incident, one per person and organisation."""
    organizations = affected_services(incident_id).values("organization_id")
    return (
        Membership.objects.filter(organization_id__in=organizations, user__is_active=True)
        .filter(wants_notices())
        .order_by("pk")
    )


def queue_customer_notice(update):
    """After the update is committed, tell the affected customers through django-q2."""
    transaction.on_commit(
        lambda: async_task("support.status.notices.notify_affected_customers", update.pk)
    )


def notify_affected_customers(update_id):
    """Pick the recipients once (the update is marked notified) and send them in batches."""
    with transaction.atomic():
        update = (
            IncidentUpdate.objects.select_for_update(of=("self",))
            .select_related("incident")
            .filter(pk=update_id, notify_customers=True, customers_notified_at__isnull=True)
            .first()
        )
        if update is None or not update.incident.is_published:
            return 0
        membership_ids = list(notice_recipients(update.incident_id).values_list("pk", flat=True))
        update.customers_notified_at = timezone.now()
        update.save(update_fields=["customers_notified_at", "updated_at"])
    queue_in_batches("support.status.notices.send_notice_batch", update_id, membership_ids)
    return len(membership_ids)


def send_notice_batch(update_id, membership_ids):
    """One email per membership, queued in the outbox together (queries don't grow with N)."""
    update = IncidentUpdate.objects.select_related("incident").get(pk=update_id)
    incident = update.incident
    components = list(incident.components.order_by("name"))
    memberships = list(
        Membership.objects.filter(pk__in=membership_ids, user__is_active=True)
        .filter(wants_notices())
        .select_related("user", "organization")
        .order_by("pk")
    )
    services = {}
    for service in (
        affected_services(incident.pk)
        .filter(organization_id__in={m.organization_id for m in memberships})
        .distinct()
        .order_by("name")
    ):
        services.setdefault(service.organization_id, []).append(service)
    calendar = maintenance_attachment(incident, update)
    messages = []
    for membership in memberships:
        user = membership.user
        context = {
            "organization": membership.organization,
            "incident": incident,
            "update": update,
            "components": components,
            "services": services.get(membership.organization_id, []),
            "incident_url": absolute_url(incident.get_absolute_url()),
            "profile_url": absolute_url(reverse("profile")),
            "has_calendar": calendar is not None,
        }
        message = build_email_to_user(
            user, "status/email/notice", context, {"Auto-Submitted": "auto-generated"}
        )
        if calendar is not None:
            message.attach("maintenance.ics", calendar(user.language), "text/calendar")
        messages.append(message)
    if messages:
        get_connection().send_messages(messages)
    return len(messages)


def maintenance_attachment(incident, update):
    """For a maintenance window being scheduled: the event as .ics, per language (or None)."""
    if not (
        incident.is_maintenance
        and update.status == IncidentStatus.SCHEDULED
        and incident.scheduled_for
    ):
        return None
    from .feeds import single_event_calendar

    built = {}

    def calendar(language):
        if language not in built:
            with translation.override(language or settings.LANGUAGE_CODE):
                built[language] = single_event_calendar(incident, update)
        return built[language]

    return calendar
