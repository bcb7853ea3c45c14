"""Words for timeline entries, in the reader's language."""

from django.utils.translation import gettext as _

from support.oncall.timeline import describe_oncall_event
from support.surveys.timeline import describe_survey_event

from .models import Priority, Ticket, TimelineEvent, customer_status_label

Kind = TimelineEvent.Kind


def _status(value, for_customer=False):
    if for_customer:
        return str(customer_status_label(value))
    return str(dict(Ticket.Status.choices).get(value, value))


def _priority(value):
    return str(dict(Priority.choices).get(value, value))


def describe(event, for_customer=False):
    """The entry in words. Reasons are written by staff for staff: customers never see the
    reason for a priority change or an escalation (their own urgency reason is theirs)."""
    data = event.data or {}
    actor = event.actor.display_name if event.actor_id and event.actor else ""
    if event.kind == Kind.CREATED:
        return _("Ticket opened")
    if event.kind == Kind.STATUS:
        return _("Status changed from %(old)s to %(new)s") % {
            "old": _status(data.get("old"), for_customer),
            "new": _status(data.get("new"), for_customer),
        }
    if event.kind == Kind.PRIORITY:
        text = _("Priority changed from %(old)s to %(new)s") % {
            "old": _priority(data.get("old")),
            "new": _priority(data.get("new")),
        }
        if for_customer:
            return text
        return text + (f" — {data['reason']}" if data.get("reason") else "")
    if event.kind == Kind.ASSIGNED:
        if data.get("assignee"):
            return _("Assigned to %(name)s") % {"name": data["assignee"]}
        return _("Unassigned")
    if event.kind == Kind.TEAM:
        return _("Moved to team %(team)s") % {"team": data.get("team") or "—"}
    if event.kind == Kind.ESCALATED:
        text = _("Escalated to tier %(tier)s") % {"tier": data.get("tier", 2)}
        if for_customer:
            return _("Escalated to our senior engineers")
        return text + (f" — {data['reason']}" if data.get("reason") else "")
    if event.kind == Kind.SLA_WARNING and data.get("target") == "update":
        return _("Customer update due soon")
    if event.kind == Kind.SLA_WARNING:
        return _("%(target)s target at 75%% with no action yet") % {"target": _target(data)}
    if event.kind == Kind.SLA_BREACH:
        return _("%(target)s target missed") % {"target": _target(data)}
    if event.kind == Kind.MERGED:
        if data.get("into"):
            return _("Merged into %(reference)s") % {"reference": data["into"]}
        return _("Ticket %(reference)s was merged into this one") % {"reference": data.get("from")}
    if event.kind in CHANGES:
        return CHANGES[event.kind]() % {
            "old": data.get("old") or "—",
            "new": data.get("new") or "—",
        }
    if event.kind == Kind.INCIDENT_UPDATE:
        return _("Update of the incident %(incident)s posted here (%(status)s)") % {
            "incident": data.get("incident") or "—",
            "status": _incident_status(data.get("status")),
        }
    if event.kind == Kind.URGENT:
        return _("Customer asked for more urgency: %(reason)s") % {"reason": data.get("reason", "")}
    return describe_survey_event(event) or describe_oncall_event(event) or actor or event.kind


CHANGES = {
    Kind.CATEGORY: lambda: _("Category changed from %(old)s to %(new)s"),
    Kind.SERVICE: lambda: _("Service changed from %(old)s to %(new)s"),
    Kind.INCIDENT: lambda: _("Incident link changed from %(old)s to %(new)s"),
}


def _incident_status(value):
    from support.status.models import IncidentStatus

    return str(dict(IncidentStatus.choices).get(value, value or "—"))


def _target(data):
    if data.get("target") == "update":
        return _("Customer update")
    return _("First response") if data.get("target") == "first_response" else _("Resolution")
