"""Six months of tickets, incidents and unanswered searches, so every report shows something.

About 30 tickets a month over the demo organisations, in English and Chinese, with first
responses and resolutions timed against their SLA targets (some late), a few reopened;
older incidents on Acme's components; knowledge-base searches that found nothing. Built
directly (no email); each ticket's form_token ("report-demo-N") makes a second run change
nothing.
"""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import Organization, User
from support.kb.models import SearchQuery
from support.status.models import Component, Incident
from support.tickets.models import REFERENCE_ALPHABET, Category, Message, Ticket, TimelineEvent
from support.tickets.services import apply_policy

from .models import CreditContract

MONTHS = 6
PER_MONTH = 30
AGENT, ENGINEER = "agent@example.com", "engineer@example.com"

SUBJECTS = {
    "website-down": [
        "Website returns 502 Bad Gateway",
        "Shop down after PHP update",
        "网站无法访问",
        "网站打开显示 502 错误",
        "Website down: 503 Service Unavailable",
    ],
    "slow-performance": [
        "Website very slow in the evening",
        "Slow database queries on shared hosting",
        "网站打开很慢",
        "数据库查询很慢",
        "WordPress admin slow",
    ],
    "email": [
        "Emails not arriving",
        "Outgoing email rejected as spam",
        "邮件发送失败",
        "邮件发送延迟",
        "无法接收邮件",
        "Mailbox over quota",
    ],
    "domain-dns": [
        "DNS change not visible",
        "Domain transfer stuck",
        "域名解析不生效",
        "域名解析错误",
    ],
    "ssl-certificate": [
        "SSL certificate not renewing",
        "SSL certificate expired",
        "证书过期",
        "HTTPS shows certificate error",
    ],
    "backups-restore": [
        "Restore deleted files from backup",
        "恢复备份失败",
        "Backup missing for yesterday",
    ],
    "billing": ["Invoice address wrong", "发票抬头错误", "Refund for unused months"],
    "security-abuse": ["Site hacked: spam pages", "服务器被入侵", "Abuse report about phishing"],
    "question": ["How do I add a subdomain?", "如何设置定时任务", "Can I upgrade PHP myself?"],
}
CATEGORY_WEIGHTS = {
    "website-down": 6,
    "slow-performance": 7,
    "email": 9,
    "domain-dns": 6,
    "ssl-certificate": 5,
    "backups-restore": 3,
    "billing": 3,
    "security-abuse": 2,
    "question": 5,
}
PRIORITIES = {"P0": 1, "P1": 3, "P2": 10, "P3": 6}
CHANNELS = {"web": 12, "email": 6, "phone": 1, "chat": 1}
NO_RESULT_SEARCHES = [
    ("restore deleted mailbox", 9),
    ("php 8.4", 7),
    ("邮件退信", 6),
    ("ipv6 dns", 4),
    ("cron 日志", 3),
    ("wildcard certificate", 3),
]
OLDER_INCIDENTS = [
    # name, days ago, start hour, minutes, impact, components
    ("Frankfurt web servers unreachable", 150, 4, 95, "critical", ["fra1-web"]),
    ("DNS resolution slow", 128, 13, 70, "major", ["dns"]),
    ("Incoming email delayed", 104, 9, 160, "major", ["mail-in"]),
    ("Dedicated server network outage in Frankfurt", 97, 22, 45, "critical", ["fra1-dedicated"]),
]
OLDER_INCIDENT_NAMES_ZH = {
    "Frankfurt web servers unreachable": "法兰克福 Web 服务器无法访问",
    "DNS resolution slow": "DNS 解析缓慢",
    "Incoming email delayed": "收信延迟",
    "Dedicated server network outage in Frankfurt": "法兰克福独立服务器网络中断",
}


def demo_reference(number):
    digits = ""
    for _ in range(4):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        digits = REFERENCE_ALPHABET[digit] + digits
    return f"RPT-{digits}"


def pick(rng, weights):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def seed(stdout=None):
    rng = random.Random(14)
    now = timezone.now()
    added = 0
    if not Ticket.objects.filter(form_token__startswith="report-demo-").exists():
        added = seed_tickets(rng, now)
    measured = measure_durations()
    seed_incidents(now)
    seed_searches(rng, now)
    CreditContract.objects.filter(tier="enterprise", p0_response_credit=0).update(
        p0_response_credit=5
    )
    if stdout:
        stdout.write(f"  report tickets: {added}, durations measured: {measured}")


def seed_tickets(rng, now):
    organizations = list(Organization.objects.filter(name__in=["Acme Corp", "Globex"]))
    if not organizations:
        return 0
    people = {
        organization.pk: list(User.objects.filter(memberships__organization=organization))
        for organization in organizations
    }
    services = {
        organization.pk: list(organization.services.order_by("pk"))
        for organization in organizations
    }
    categories = {category.slug: category for category in Category.objects.all()}
    staff = {user.email: user for user in User.objects.filter(email__in=[AGENT, ENGINEER])}
    number = 0
    for day_offset in range(MONTHS * 30, 0, -1):
        for _ in range(rng.choices([0, 1, 2], weights=[2, 4, 3])[0]):
            number += 1
            organization = rng.choices(organizations, weights=[3, 2][: len(organizations)])[0]
            created = now - timedelta(days=day_offset, hours=rng.uniform(0, 23))
            category = categories.get(pick(rng, CATEGORY_WEIGHTS))
            if category is None:
                continue
            service = rng.choice(services[organization.pk] + [None])
            make_ticket(
                rng,
                number,
                (organization, service),
                people[organization.pk],
                category,
                staff,
                created,
                now,
            )
    return number


def make_ticket(rng, number, where, people, category, staff, created, now):
    organization, service = where
    requester = rng.choice(people)
    priority = pick(rng, PRIORITIES)
    team = category.team
    assignee = staff.get(ENGINEER if team and team.tier == 2 else AGENT)
    ticket = Ticket(
        reference=demo_reference(number),
        form_token=f"report-demo-{number}",
        organization=organization,
        service=service,
        requester=requester,
        created_by=requester,
        subject=rng.choice(SUBJECTS[category.slug]),
        description="(demo)",
        category=category,
        priority=priority,
        channel=pick(rng, CHANNELS),
        team=team,
        tier=team.tier if team else 1,
        assignee=assignee,
        created_at=created,
        last_activity_at=created,
    )
    apply_policy(ticket)
    target = float(ticket.first_response_target or 240)
    late = rng.random() < 0.12
    response_minutes = target * (rng.uniform(1.1, 3) if late else rng.uniform(0.1, 0.9))
    answered = created + timedelta(minutes=response_minutes)
    if ticket.first_response_due_at:
        answered = max(
            answered, ticket.first_response_due_at + timedelta(minutes=5) if late else answered
        )
        if not late:
            answered = min(answered, ticket.first_response_due_at - timedelta(minutes=1))
    answered = max(answered, created + timedelta(minutes=1))
    if answered < now:
        ticket.first_response_at = answered
        if ticket.first_response_due_at:
            ticket.first_response_outcome = (
                "met" if answered <= ticket.first_response_due_at else "breached"
            )
        ticket.status = "open"
    age_days = (now - created).days
    if ticket.first_response_at and (age_days > 10 or rng.random() < 0.5):
        resolution_target = float(ticket.resolution_target or 5 * 24 * 60)
        slow = rng.random() < 0.15
        resolved = created + timedelta(
            minutes=resolution_target * (rng.uniform(1.05, 2) if slow else rng.uniform(0.2, 0.9))
        )
        if ticket.resolution_due_at and not slow:
            resolved = min(resolved, ticket.resolution_due_at - timedelta(minutes=1))
        resolved = max(resolved, ticket.first_response_at + timedelta(minutes=5))
        if resolved < now:
            ticket.resolved_at = ticket.solved_at = resolved
            ticket.last_activity_at = resolved
            if ticket.resolution_due_at:
                ticket.resolution_outcome = (
                    "met" if resolved <= ticket.resolution_due_at else "breached"
                )
            ticket.status = "closed" if (now - resolved).days > 4 else "solved"
            if ticket.status == "closed":
                ticket.closed_at = resolved + timedelta(days=4)
    elif (
        ticket.first_response_due_at
        and ticket.first_response_due_at < now
        and not ticket.first_response_at
    ):
        ticket.first_response_outcome = "breached"
    ticket.refresh_next_due()
    ticket.save()
    Message.objects.create(
        ticket=ticket,
        author=requester,
        body=ticket.subject,
        channel=ticket.channel,
        created_at=created,
    )
    TimelineEvent.objects.create(
        ticket=ticket,
        kind="created",
        actor=requester,
        data={"channel": ticket.channel},
        created_at=created,
    )
    if ticket.first_response_at and assignee:
        Message.objects.create(
            ticket=ticket,
            author=assignee,
            body="Thanks, we are looking into it.",
            created_at=ticket.first_response_at,
        )
    if ticket.resolved_at:
        TimelineEvent.objects.create(
            ticket=ticket,
            kind="status",
            actor=assignee,
            data={"old": "open", "new": "solved"},
            created_at=ticket.resolved_at,
        )
        if rng.random() < 0.06:
            TimelineEvent.objects.create(
                ticket=ticket,
                kind="status",
                actor=requester,
                data={"old": "solved", "new": "open"},
                created_at=ticket.resolved_at + timedelta(hours=2),
            )


def measure_durations():
    """Business minutes for every ticket with a first response or resolution but none yet
    (the other apps' demo tickets set their times directly)."""
    measured = 0
    missing = Ticket.objects.filter(
        first_response_at__isnull=False, first_response_business_minutes__isnull=True
    ) | Ticket.objects.filter(resolved_at__isnull=False, resolution_business_minutes__isnull=True)
    calendars = {}
    for ticket in missing.select_related("sla_calendar"):
        calendar = None
        if ticket.sla_calendar_id:
            if ticket.sla_calendar_id not in calendars:
                calendars[ticket.sla_calendar_id] = ticket.sla_calendar
            calendar = calendars[ticket.sla_calendar_id]
        if ticket.first_response_at:
            ticket.first_response_business_minutes = ticket.business_minutes_since_opening(
                ticket.first_response_at, calendar
            )
        if ticket.resolved_at:
            ticket.resolution_business_minutes = ticket.business_minutes_since_opening(
                ticket.resolved_at, calendar
            )
        ticket.save(
            update_fields=["first_response_business_minutes", "resolution_business_minutes"]
        )
        measured += 1
    return measured


def seed_incidents(now):
    components = {component.slug: component for component in Component.objects.all()}
    for name, days_ago, hour, minutes, impact, slugs in OLDER_INCIDENTS:
        if Incident.objects.filter(name=name).exists():
            continue
        started = (now - timedelta(days=days_ago)).replace(
            hour=hour, minute=0, second=0, microsecond=0
        )
        incident = Incident.objects.create(
            name=name,
            name_zh_hans=OLDER_INCIDENT_NAMES_ZH[name],
            impact=impact,
            status="resolved",
            started_at=started,
            resolved_at=started + timedelta(minutes=minutes),
            created_at=started,
        )
        incident.components.set([components[slug] for slug in slugs if slug in components])


def seed_searches(rng, now):
    if SearchQuery.objects.filter(query=NO_RESULT_SEARCHES[0][0]).exists():
        return
    rows = []
    for query, count in NO_RESULT_SEARCHES:
        for _ in range(count * MONTHS // 2):
            rows.append(
                SearchQuery(
                    query=query,
                    language="zh-hans" if any("\u4e00" <= c <= "\u9fff" for c in query) else "en",
                    result_count=0,
                    created_at=now - timedelta(days=rng.uniform(0, MONTHS * 30)),
                )
            )
    SearchQuery.objects.bulk_create(rows)
