"""About 30 demo tickets in both demo organisations, in every state and priority.

Built directly (not through services) so that seeding sends no email; each
ticket's form_token ("demo-NN") makes a second run change nothing.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Organization, User

from .models import Attachment, Category, Macro, Message, Team, Ticket, TimelineEvent
from .services import apply_policy

CUSTOMER, COLLEAGUE, OTHER = "customer@example.com", "colleague@example.com", "other@example.net"
AGENT, ENGINEER = "agent@example.com", "engineer@example.com"

# (org, requester, subject, category, priority, status, hours ago, assignee, sla, conversation)
# conversation: (author, body, internal); sla: "" | "at_risk" | "breached"
TICKETS = [
    (
        "Acme Corp",
        CUSTOMER,
        "Checkout returns 502 Bad Gateway",
        "website-down",
        "P0",
        "open",
        0.1,
        ENGINEER,
        "",
        [
            (
                ENGINEER,
                "We see PHP-FPM workers exhausted on web01. Restarting the pool now.",
                False,
            ),
            (ENGINEER, "Pool was at max_children=5; raising to 20 after checking memory.", True),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "web01 unreachable over SSH",
        "website-down",
        "P0",
        "new",
        0.08,
        None,
        "at_risk",
        [],
    ),
    (
        "Acme Corp",
        COLLEAGUE,
        "网站打开很慢",
        "slow-performance",
        "P1",
        "new",
        0.9,
        None,
        "breached",
        [],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Mail to gmail.com bounces",
        "email",
        "P1",
        "open",
        5,
        AGENT,
        "",
        [
            (AGENT, "Could you send us one full bounce message?", False),
            (CUSTOMER, "Attached the bounce we got this morning.", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Add DKIM record for acme.example",
        "domain-dns",
        "P2",
        "pending",
        20,
        AGENT,
        "",
        [
            (AGENT, "We generated the key. Shall we publish it in your DNS zone?", False),
        ],
    ),
    (
        "Acme Corp",
        COLLEAGUE,
        "SSL certificate expires next week",
        "ssl-certificate",
        "P2",
        "open",
        30,
        AGENT,
        "",
        [
            (AGENT, "Auto-renewal failed because of a CAA record; checking.", True),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Restore shop database from Sunday",
        "backups-restore",
        "P1",
        "solved",
        50,
        ENGINEER,
        "",
        [
            (
                ENGINEER,
                "Restored the database `shop` from Sunday 02:00 into `shop_restored`.",
                False,
            ),
            (CUSTOMER, "Perfect, thank you!", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Invoice 2026-0412 charged twice",
        "billing",
        "P3",
        "closed",
        400,
        AGENT,
        "",
        [
            (AGENT, "We refunded the duplicate charge; it shows within 5 days.", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Suspicious logins on WordPress admin",
        "security-abuse",
        "P1",
        "open",
        3,
        ENGINEER,
        "",
        [
            (
                ENGINEER,
                "We blocked the attacking range and enabled rate limiting on wp-login.php.",
                False,
            ),
            (ENGINEER, "Same range hit two other customers; reported to abuse desk.", True),
        ],
    ),
    ("Acme Corp", COLLEAGUE, "如何配置 CDN 缓存？", "question", "P3", "new", 2, None, "", []),
    (
        "Acme Corp",
        CUSTOMER,
        "Upgrade PHP to 8.3 on shop",
        "question",
        "P3",
        "pending",
        70,
        AGENT,
        "",
        [
            (AGENT, "Your plugins support 8.3. When should we switch?", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "VPS disk almost full",
        "slow-performance",
        "P2",
        "new",
        3.5,
        None,
        "at_risk",
        [],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Cron jobs stopped running",
        "website-down",
        "P1",
        "open",
        26,
        AGENT,
        "breached",
        [
            (AGENT, "The crontab is empty after the migration; restoring from backup.", False),
        ],
    ),
    (
        "Acme Corp",
        COLLEAGUE,
        "Mailbox quota for sales@",
        "email",
        "P3",
        "solved",
        90,
        AGENT,
        "",
        [
            (AGENT, "Raised the quota to 10 GB.", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Point shop.acme.example to new IP",
        "domain-dns",
        "P2",
        "closed",
        300,
        AGENT,
        "",
        [
            (AGENT, "Done; TTL was 3600, so allow an hour.", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Staging site shows a blank page",
        "website-down",
        "P2",
        "open",
        6,
        ENGINEER,
        "",
        [
            (ENGINEER, "A fatal error in a theme file; see the log excerpt attached.", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Need an offsite backup copy",
        "backups-restore",
        "P3",
        "new",
        1,
        None,
        "",
        [],
    ),
    (
        "Globex",
        OTHER,
        "Website down after DNS change",
        "website-down",
        "P0",
        "open",
        0.15,
        ENGINEER,
        "",
        [
            (ENGINEER, "The A record points to an old IP; we corrected it.", False),
        ],
    ),
    ("Globex", OTHER, "CDN serving stale CSS", "slow-performance", "P2", "new", 2, None, "", []),
    (
        "Globex",
        OTHER,
        "Cannot receive email at info@",
        "email",
        "P1",
        "new",
        1.5,
        None,
        "breached",
        [],
    ),
    (
        "Globex",
        OTHER,
        "Renew globex.example",
        "domain-dns",
        "P3",
        "solved",
        40,
        AGENT,
        "",
        [
            (AGENT, "Renewed for two years.", False),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Let's Encrypt renewal failed",
        "ssl-certificate",
        "P2",
        "pending",
        28,
        AGENT,
        "",
        [
            (AGENT, "Please remove the redirect on /.well-known/ so we can validate.", False),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Restore deleted uploads folder",
        "backups-restore",
        "P1",
        "open",
        4,
        ENGINEER,
        "",
        [
            (ENGINEER, "Restore running; 40% done.", False),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Question about invoice VAT",
        "billing",
        "P3",
        "closed",
        500,
        AGENT,
        "",
        [
            (AGENT, "The VAT number is now on all invoices.", False),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Phishing page on our domain",
        "security-abuse",
        "P0",
        "solved",
        30,
        ENGINEER,
        "",
        [
            (ENGINEER, "Removed the page and rotated FTP credentials.", False),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Which PHP version do we run?",
        "question",
        "P3",
        "open",
        10,
        AGENT,
        "",
        [
            (AGENT, "PHP 8.2 with OPcache enabled.", False),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Site slow every night at 02:00",
        "slow-performance",
        "P2",
        "open",
        8,
        AGENT,
        "at_risk",
        [
            (AGENT, "Backups run at 02:00; moving them to 04:00 might help.", True),
        ],
    ),
    (
        "Globex",
        OTHER,
        "Add SPF include for our CRM",
        "domain-dns",
        "P2",
        "solved",
        60,
        AGENT,
        "",
        [
            (AGENT, "Added `include:crm.example` to your SPF record.", False),
        ],
    ),
    (
        "Acme Corp",
        CUSTOMER,
        "Firewall blocks our office IP",
        "security-abuse",
        "P1",
        "pending",
        7,
        ENGINEER,
        "",
        [
            (ENGINEER, "Which IP does your office use now?", False),
        ],
    ),
    (
        "Acme Corp",
        COLLEAGUE,
        "SFTP 访问权限",
        "question",
        "P2",
        "solved",
        100,
        AGENT,
        "",
        [
            (AGENT, "已为您开通 SFTP 账号。", False),
        ],
    ),
]

MACROS = [
    ("Greeting", "Hello {first_name},\n\nthank you for contacting us about {reference}."),
    (
        "Need more information",
        "Hello {first_name},\n\ncould you tell us the exact URL and the time you saw the error?"
        "\n\n{agent_name}",
    ),
    (
        "Solved",
        "Hello {first_name},\n\nwe believe {reference} is solved. "
        "Reply if anything is still wrong.\n\n{agent_name}",
    ),
]


def seed(stdout=None):
    people = {
        user.email: user
        for user in User.objects.filter(email__in=[CUSTOMER, COLLEAGUE, OTHER, AGENT, ENGINEER])
    }
    organizations = {
        org.name: org for org in Organization.objects.filter(name__in=["Acme Corp", "Globex"])
    }
    categories = {category.slug: category for category in Category.objects.all()}
    teams = {team.tier: team for team in Team.objects.all()}
    for name, body in MACROS:
        Macro.objects.get_or_create(name=name, defaults={"body": body})
    created = 0
    now = timezone.now()
    for number, spec in enumerate(TICKETS, start=1):
        token = f"demo-{number:02d}"
        if Ticket.objects.filter(form_token=token).exists():
            continue
        organization = organizations[spec[0]]
        make_ticket(token, spec, organization, people, categories, teams, now)
        created += 1
    if stdout:
        stdout.write(f"  tickets: {created} added ({len(TICKETS)} in the demo)")


def make_ticket(token, spec, organization, people, categories, teams, now):
    _org, requester, subject, slug, priority, status, hours, assignee, sla_state, conversation = (
        spec
    )
    opened = now - timedelta(hours=hours)
    category = categories.get(slug)
    team = (category.team if category else None) or teams.get(1)
    ticket = Ticket(
        organization=organization,
        requester=people[requester],
        created_by=people[requester],
        subject=subject,
        description=f"{subject}.\n\nIt started {hours:g} hours ago; we have not changed anything.",
        category=category,
        service=organization.services.first(),
        priority=priority,
        team=team,
        tier=team.tier if team else 1,
        assignee=people.get(assignee),
        created_at=opened,
        last_activity_at=opened,
        form_token=token,
        what_was_tried="Cleared the browser cache and tried another network.",
    )
    apply_policy(ticket)
    ticket.save()
    events = [
        TimelineEvent(ticket=ticket, kind="created", actor=people[requester], created_at=opened)
    ]
    first = Message.objects.create(
        ticket=ticket, author=people[requester], body=ticket.description, created_at=opened
    )
    if ticket.pk % 3 == 0:
        attach(
            ticket,
            first,
            people[requester],
            "error-log.txt",
            "PHP Fatal error: Allowed memory size exhausted\n",
        )
    moment = opened
    for step, (author, body, internal) in enumerate(conversation, start=1):
        moment = opened + (now - opened) * step / (len(conversation) + 1)
        if step == 1:
            moment = opened + min(timedelta(minutes=5), (now - opened) / 2)
        message = Message.objects.create(
            ticket=ticket, author=people[author], body=body, internal=internal, created_at=moment
        )
        if "attached" in body.lower():
            attach(ticket, message, people[author], "details.txt", "Demo attachment\n")
        if people[author].is_staff and not internal and ticket.first_response_at is None:
            ticket.first_response_at = moment
            ticket.first_response_outcome = (
                "met" if moment <= ticket.first_response_due_at else "breached"
            )
    ticket.last_activity_at = moment
    if status != "new":
        events.append(
            TimelineEvent(
                ticket=ticket, kind="status", data={"old": "new", "new": status}, created_at=moment
            )
        )
    ticket.status = status
    if status == "pending":
        ticket.sla_paused_at = moment
    if status in ("solved", "closed"):
        ticket.solved_at = ticket.resolved_at = moment
        if ticket.resolution_due_at:
            ticket.resolution_outcome = "met" if moment <= ticket.resolution_due_at else "breached"
    if status == "closed":
        ticket.closed_at = moment
    if sla_state == "breached":
        ticket.first_response_due_at = ticket.first_response_warn_at = now - timedelta(minutes=20)
        if ticket.first_response_at is None:
            ticket.first_response_outcome = "breached"
        else:
            ticket.resolution_due_at = now - timedelta(minutes=5)
            ticket.resolution_outcome = "breached"
        ticket.tier, ticket.team, ticket.escalated_at = 2, teams.get(2), now
        events.append(
            TimelineEvent(
                ticket=ticket, kind="sla_breach", data={"target": "first_response"}, created_at=now
            )
        )
        events.append(
            TimelineEvent(
                ticket=ticket, kind="escalated", data={"tier": 2, "reason": "SLA"}, created_at=now
            )
        )
    elif sla_state == "at_risk":
        ticket.first_response_at = None
        ticket.first_response_outcome = ""
        ticket.first_response_warn_at = now - timedelta(minutes=1)
        ticket.first_response_due_at = now + timedelta(minutes=4)
    ticket.refresh_next_due()
    ticket.save()
    TimelineEvent.objects.bulk_create(events)
    return ticket


def attach(ticket, message, author, name, text):
    Attachment.objects.create(
        ticket=ticket,
        message=message,
        file=ContentFile(text.encode(), name=name),
        name=name,
        content_type="text/plain",
        size=len(text.encode()),
        uploaded_by=author,
    )
