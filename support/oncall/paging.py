"""Paging: raise an alert, page the on-call person, escalate step by step, acknowledge.

Every write happens in the caller's transaction (durable rows); deliveries to
Apprise channels go out through django-q2 after commit, and email through the
outbox. Timeline entries on the ticket say who was paged and who acknowledged.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.emails import send_email_to_user
from portal.net import absolute_url
from portal.tokens import make_token, read_token

from . import lookup
from .models import Alert, Delivery, EscalationStep, Page, PagerProfile, Rota

ACK_PURPOSE = "oncall.ack"

# Timeline kinds this app adds to a ticket (words: support.oncall.timeline).
PAGED_KIND = "paged"
ACK_KIND = "page_ack"
EXHAUSTED_KIND = "page_exhausted"

Kind = EscalationStep.Kind


def ack_minutes():
    return getattr(settings, "ONCALL_ACK_MINUTES", 5)


def ack_token(alert, person):
    return make_token(ACK_PURPOSE, {"a": alert.pk, "p": person.pk})


def read_ack_token(token):
    """(alert, person) for a valid link, else None."""
    max_age = timedelta(hours=getattr(settings, "ONCALL_ACK_LINK_HOURS", 24)).total_seconds()
    payload = read_token(ACK_PURPOSE, token, max_age)
    if not isinstance(payload, dict):
        return None
    page = (
        Page.objects.select_related("alert__ticket__organization", "alert__incident", "person")
        .filter(alert_id=payload.get("a"), person_id=payload.get("p"))
        .first()
    )
    return (page.alert, page.person) if page else None


def ack_url(alert, person):
    return absolute_url(reverse("oncall:acknowledge", args=[ack_token(alert, person)]))


def _record(ticket, kind, actor=None, **data):
    if ticket is None:
        return
    from support.tickets.services import record

    record(ticket, kind, actor, **data)


def raise_alert(reason, *, team, ticket=None, incident=None, person=None, escalates=True, now=None):
    """Open an alert and page its first person: `person` if given, else the team's on call.

    Nobody on call → the escalation policy's first step that names someone."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.create(
            reason=reason,
            team=team,
            ticket=ticket,
            incident=incident,
            escalates=escalates,
            created_at=now,
        )
        first = person or lookup.on_call(team, now)
        if first is not None:
            label = _("Assignee") if person else _("On call for %(team)s") % {"team": team}
            page_person(alert, first, 0, label, now)
        else:
            escalate(alert, now)
    return alert


def steps_of(alert):
    rota_row = Rota.objects.filter(team=alert.team_id).first() if alert.team_id else None
    return list(rota_row.steps.select_related("team", "person")) if rota_row else []


def person_for(step, alert, now):
    if step.kind == Kind.SECONDARY:
        return lookup.on_call(alert.team, now, role="secondary")
    if step.kind == Kind.TEAM:
        return lookup.on_call(step.team, now)
    if step.kind == Kind.ACCOUNT_MANAGER:
        if alert.ticket_id and alert.ticket.organization.account_manager_id:
            manager = alert.ticket.organization.account_manager
            return manager if manager.is_active else None
        return None
    if step.kind == Kind.PERSON:
        return step.person if step.person and step.person.is_active else None
    return None


def step_label(step):
    if step.label:
        return step.label
    if step.kind == Kind.TEAM and step.team_id:
        return _("On call for %(team)s") % {"team": step.team}
    return str(step.get_kind_display())


def escalate(alert, now=None):
    """Page the policy's next step that names someone not yet paged; none left: close."""
    now = now or timezone.now()
    steps = steps_of(alert)
    already = set(alert.pages.values_list("person_id", flat=True))
    number = alert.step
    while number < len(steps):
        step = steps[number]
        number += 1
        person = person_for(step, alert, now)
        if person is not None and person.pk not in already:
            alert.step = number
            page_person(alert, person, number, step_label(step), now)
            return True
    alert.step = number
    alert.closed_at = now
    alert.next_step_at = None
    alert.save(update_fields=["step", "closed_at", "next_step_at"])
    _record(alert.ticket, EXHAUSTED_KIND, reason=alert.reason, nobody=not already)
    return False


def page_person(alert, person, step, label, now):
    alert.next_step_at = now + timedelta(minutes=ack_minutes()) if alert.escalates else None
    alert.save(update_fields=["step", "next_step_at"])
    link = ack_url(alert, person)
    with translation.override(person.language or settings.LANGUAGE_CODE):
        title, body = page_text(alert, link)
    page = Page.objects.create(
        alert=alert,
        person=person,
        step=step,
        step_label=label,
        created_at=now,
        title=title,
        body=body,
    )
    context = {"alert": alert, "page": page, "ticket": alert.ticket, "incident": alert.incident}
    send_email_to_user(person, "oncall/email/page", {**context, "ack_url": link})
    profile = PagerProfile.objects.filter(user=person).first()
    urls = profile.urls() if profile else []
    Delivery.objects.bulk_create(Delivery(page=page, url=url, next_attempt_at=now) for url in urls)
    if urls:
        transaction.on_commit(schedule_delivery)
    _record(
        alert.ticket,
        PAGED_KIND,
        person=person.display_name,
        step=step,
        role=label,
        reason=alert.reason,
    )
    return page


def page_text(alert, link):
    """Short title and plain text for SMS, chat and webhooks, in the active language."""
    if alert.ticket_id:
        ticket = alert.ticket
        title = f"[{ticket.reference}] {ticket.priority} {ticket.subject}"[:300]
        lines = [alert.get_reason_display(), ticket.organization.name]
    else:
        title = str(alert.incident)[:300]
        lines = [alert.get_reason_display()]
    lines.append(_("Acknowledge: %(link)s") % {"link": link})
    return title, "\n".join(str(line) for line in lines)


def schedule_delivery():
    from django_q.tasks import async_task

    async_task("support.oncall.tasks.deliver_pending", task_name="deliver pages")


def acknowledge(alert, person, now=None):
    """The person is on it: stop this alert (and the ticket's other open ones) and take the
    ticket if nobody has it. Returns False when it was already acknowledged."""
    now = now or timezone.now()
    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            return False
        alerts = Alert.objects.open().filter(pk=alert.pk)
        if alert.ticket_id:
            alerts = Alert.objects.open().filter(ticket_id=alert.ticket_id)
        alerts.update(acknowledged_at=now, acknowledged_by=person, next_step_at=None)
        ticket = alert.ticket
        if ticket is not None:
            _record(ticket, ACK_KIND, person, person=person.display_name)
            if ticket.assignee_id is None:
                from support.tickets.services import assign

                assign(ticket, person, by=person)
    return True


def acknowledge_ticket(ticket, person, now=None):
    """The Acknowledge button in the back office: every open alert of the ticket."""
    alert = Alert.objects.open().filter(ticket=ticket).order_by("created_at").first()
    return acknowledge(alert, person, now) if alert else False


def escalate_due(now=None):
    """Alerts nobody acknowledged in time go to the next step."""
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        due = Alert.objects.due_to_escalate(now).select_related(
            "ticket__organization__account_manager", "team"
        )
        for alert in due.select_for_update(skip_locked=True, of=("self",)):
            if alert.ticket_id and alert.ticket.status not in alert.ticket.ACTIVE_STATES:
                alert.closed_at = now
                alert.save(update_fields=["closed_at"])
                continue
            escalate(alert, now)
            count += 1
    return count


# Hooks called by the tickets and status apps ------------------------------------------------


def page_new_p0(ticket):
    from support.tickets.models import Priority

    if ticket.priority != Priority.P0:
        return None
    return raise_alert(Alert.Reason.NEW_P0, team=ticket.team, ticket=ticket)


def page_p1_breach(ticket, now=None):
    return raise_alert(Alert.Reason.P1_BREACH, team=ticket.team, ticket=ticket, now=now)


def page_monitoring_alert(incident):
    rota_row = Rota.objects.filter(pages_for_alerts=True).select_related("team").first()
    if rota_row is None:
        return None
    return raise_alert(Alert.Reason.MONITORING, team=rota_row.team, incident=incident)
