"""Demo status page: 12 components in 4 groups, 90 days of history, an open incident,
an upcoming maintenance window and a few subscribers. Idempotent; sends no email."""

import datetime

from django.utils import timezone

from accounts.models import Service

from .models import (
    Component,
    ComponentGroup,
    Incident,
    IncidentTemplate,
    IncidentUpdate,
    IncidentUpdateComponent,
    Subscriber,
)

GROUPS = [
    ("Frankfurt — shared hosting", [
        ("fra1-web", "Web servers", "Shared and managed web hosting in Frankfurt FRA1"),
        ("fra1-mysql", "MySQL databases", ""),
        ("fra1-dedicated", "Dedicated servers", "Network and power for dedicated servers"),
    ]),
    ("Amsterdam — VPS", [
        ("ams2-vps", "VPS hosts", "Virtual servers in Amsterdam AMS2"),
        ("ams2-storage", "Block storage", ""),
        ("ams2-shared", "Shared hosting", ""),
    ]),
    ("DNS and email", [
        ("dns", "Authoritative DNS", "Name servers ns1–ns3"),
        ("mail-in", "Incoming email", "MX, IMAP and POP3"),
        ("mail-out", "Outgoing email", "SMTP relay"),
    ]),
    ("Control panel and network", [
        ("panel", "Control panel", ""),
        ("api", "Public API", ""),
        ("cdn", "CDN", "Edge caches worldwide"),
    ]),
]  # fmt: skip

SERVICE_COMPONENTS = {
    "web01.acme.example": ["fra1-dedicated"],
    "shop.acme.example": ["fra1-web", "fra1-mysql"],
    "vps-eu-7.acme.example": ["ams2-vps", "ams2-storage"],
    "acme.example": ["dns"],
    "mail.acme.example": ["mail-in", "mail-out"],
    "globex.example": ["ams2-shared"],
    "globex.example (domain)": ["dns"],
    "cdn.globex.example": ["cdn"],
}

POSTMORTEM = """## What happened

At 03:12 UTC one of the two power feeds of rack row C in Amsterdam AMS2 failed during
planned work by the data centre operator. A faulty transfer switch did not move the load
to the second feed, and 41 VPS hosts lost power.

## Impact

Virtual servers on those hosts were unreachable for up to 2 hours and 20 minutes. No data
was lost; block storage volumes were checked before the hosts were started again.

## What we are changing

- The transfer switches of rows A–D have been replaced and tested under load.
- Hosts are now spread so that no customer's redundant VPS pair shares a power feed.
- We will announce the operator's planned power work as maintenance on this page.
"""

# name, days ago, start hour, minutes, impact, components, post-mortem
HISTORY = [
    ("Elevated response times on Frankfurt web servers", 78, 9, 95, "minor", ["fra1-web"], ""),
    ("VPS hosts unreachable in Amsterdam", 61, 3, 140, "critical",
     ["ams2-vps", "ams2-storage"], POSTMORTEM),
    ("Delayed delivery of incoming email", 44, 14, 180, "major", ["mail-in"], ""),
    ("DNS resolution failures for some domains", 27, 20, 50, "major", ["dns"], ""),
    ("Control panel sign-in errors", 12, 8, 40, "minor", ["panel", "api"], ""),
    ("MySQL connection errors in Frankfurt", 5, 11, 35, "critical", ["fra1-mysql"], ""),
]  # fmt: skip

STEPS = [
    ("investigating", 0, "We are investigating reports of problems with {what}."),
    ("identified", 0.3, "We have found the cause and are working on a fix."),
    ("monitoring", 0.7, "A fix is in place and we are watching the results."),
    ("resolved", 1, "This incident is resolved. Thank you for your patience."),
]

TEMPLATES = [
    ("Investigating", "incident", "investigating",
     "We are investigating reports of problems with this service and will post an update "
     "within 30 minutes."),
    ("Resolved", "incident", "resolved",
     "This incident is resolved. If you still see problems, please open a ticket."),
    ("Maintenance announcement", "maintenance", "scheduled",
     "We will carry out maintenance during this window. Short interruptions are possible."),
]  # fmt: skip


def _component_status(impact):
    return {"minor": "degraded_performance", "major": "partial_outage"}.get(impact, "major_outage")


def _add_update(incident, status, body, at, changes=()):
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, body=body, display_at=at, created_at=at
    )
    IncidentUpdate.objects.filter(pk=update.pk).update(updated_at=at)
    for component, old, new in changes:
        IncidentUpdateComponent.objects.create(
            update=update, component=component, old_status=old, new_status=new
        )
    return update


def _history_incident(name, start, minutes, impact, components, postmortem):
    end = start + datetime.timedelta(minutes=minutes)
    incident = Incident.objects.create(
        name=name,
        impact=impact,
        status="postmortem" if postmortem else "resolved",
        started_at=start,
        created_at=start,
        monitoring_at=start + datetime.timedelta(minutes=minutes * 0.7),
        resolved_at=end,
        postmortem=postmortem,
        postmortem_published_at=end + datetime.timedelta(days=2) if postmortem else None,
    )
    incident.components.set(components)
    what = ", ".join(c.name for c in components)
    down = _component_status(impact)
    for status, fraction, text in STEPS:
        at = start + datetime.timedelta(minutes=minutes * fraction)
        if status == "investigating":
            changes = [(c, "operational", down) for c in components]
        elif status == "resolved":
            changes = [(c, down, "operational") for c in components]
        else:
            changes = []
        _add_update(incident, status, text.format(what=what), at, changes)
    if postmortem:
        _add_update(
            incident,
            "postmortem",
            "We have published a post-mortem for this incident.",
            end + datetime.timedelta(days=2),
        )


def seed(stdout=None):
    if Component.objects.exists():
        if stdout:
            stdout.write("  status: already seeded")
        return
    now = timezone.now().replace(second=0, microsecond=0)
    born = now - datetime.timedelta(days=120)
    components = {}
    for group_order, (group_name, members) in enumerate(GROUPS):
        group = ComponentGroup.objects.create(name=group_name, order=group_order, created_at=born)
        for order, (slug, name, description) in enumerate(members):
            components[slug] = Component.objects.create(
                group=group,
                slug=slug,
                name=name,
                description=description,
                order=order,
                created_at=born,
            )
    for service in Service.objects.filter(name__in=SERVICE_COMPONENTS):
        for slug in SERVICE_COMPONENTS[service.name]:
            components[slug].services.add(service)

    today = now.replace(hour=0, minute=0)
    for name, days_ago, hour, minutes, impact, slugs, postmortem in HISTORY:
        start = today - datetime.timedelta(days=days_ago) + datetime.timedelta(hours=hour)
        _history_incident(name, start, minutes, impact, [components[s] for s in slugs], postmortem)

    start = today - datetime.timedelta(days=20) + datetime.timedelta(hours=1)
    end = start + datetime.timedelta(hours=2)
    done = Incident.objects.create(
        kind="maintenance",
        name="Block storage firmware upgrade in Amsterdam",
        status="completed",
        scheduled_for=start,
        scheduled_until=end,
        started_at=start,
        resolved_at=end,
        created_at=start - datetime.timedelta(days=7),
    )
    done.components.set([components["ams2-storage"]])
    _add_update(done, "scheduled", "We will upgrade the storage controllers' firmware.",
                start - datetime.timedelta(days=7))  # fmt: skip
    _add_update(done, "in_progress", "The scheduled maintenance has started.", start)
    _add_update(done, "completed", "The scheduled maintenance has been completed.", end)

    started = now - datetime.timedelta(minutes=40)
    active = Incident.objects.create(
        name="Slow delivery of outgoing email",
        impact="minor",
        status="identified",
        started_at=started,
        created_at=started,
    )
    active.components.set([components["mail-out"]])
    _add_update(
        active,
        "investigating",
        "Some outgoing messages are queued for up to 20 minutes. We are investigating.",
        started,
        [(components["mail-out"], "operational", "degraded_performance")],
    )
    _add_update(
        active,
        "identified",
        "A spam wave from a compromised account filled the relay's queue. We have blocked "
        "the account and are **clearing the queue**; delays are getting shorter.",
        started + datetime.timedelta(minutes=25),
    )
    Component.objects.filter(pk=components["mail-out"].pk).update(status="degraded_performance")

    window_start = today + datetime.timedelta(days=3, hours=2)
    upcoming = Incident.objects.create(
        kind="maintenance",
        name="Network upgrade in Frankfurt FRA1",
        status="scheduled",
        scheduled_for=window_start,
        scheduled_until=window_start + datetime.timedelta(hours=2),
    )
    upcoming.components.set(
        [components["fra1-web"], components["fra1-mysql"], components["fra1-dedicated"]]
    )
    _add_update(
        upcoming,
        "scheduled",
        "We will replace the core routers in Frankfurt FRA1. Expect up to two short "
        "interruptions of about a minute each.",
        now - datetime.timedelta(days=1),
    )

    for name, kind, status, body in TEMPLATES:
        IncidentTemplate.objects.get_or_create(
            name=name, defaults={"kind": kind, "status": status, "body": body}
        )
    for email, language, slugs in [
        ("ops@acme.example", "en", []),
        ("chen.wei@acme.example", "zh-hans", ["fra1-web", "mail-in", "mail-out"]),
        ("noc@globex.example", "en", ["ams2-shared", "dns"]),
    ]:
        subscriber = Subscriber.objects.create(email=email, language=language, confirmed_at=born)
        subscriber.components.set([components[s] for s in slugs])
    if stdout:
        count = Incident.objects.count()
        stdout.write(f"  status: {len(components)} components, {count} incidents")
