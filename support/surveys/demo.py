"""Six months of CSAT and NPS answers over the demo organisations, with follow-ups open and done.

Works with or without the ticket app's demo tickets: it adds its own closed tickets (SVY-2223 …)
and a few extra customers, all through get_or_create, and sends no email.
"""

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership, Organization, User
from support.tickets.models import REFERENCE_ALPHABET, Category, Message, Team, Ticket

from .models import CsatResponse, CsatSurvey, FollowUp, NpsCampaign, NpsInvitation, NpsResponse
from .services import FOLLOW_UP_DONE_KIND, FOLLOW_UP_KIND, follow_up_assignee, follow_up_due_on

EXTRA_PEOPLE = [
    # email, full name, language, organisation, role
    ("dana@example.com", "Dana Dev", "en", "Acme Corp", Membership.Role.ADMIN),
    ("li.na@example.com", "Li Na", "zh-hans", "Acme Corp", Membership.Role.MEMBER),
    ("marco@example.com", "Marco Rossi", "en", "Acme Corp", Membership.Role.MEMBER),
    ("wang.fang@example.net", "Wang Fang", "zh-hans", "Globex", Membership.Role.MEMBER),
    ("sam@example.net", "Sam Ops", "en", "Globex", Membership.Role.ADMIN),
    ("priya@example.net", "Priya Shah", "en", "Globex", Membership.Role.MEMBER),
]

SUBJECTS = [
    "Website returns 502 after deploy",
    "SSL certificate not renewing",
    "Mailbox over quota",
    "DNS change not visible",
    "VPS disk almost full",
    "Slow database queries",
    "Invoice address wrong",
    "CDN serving stale files",
]

CSAT_COMMENTS = {
    5: [
        "Fixed within the hour, thank you!",
        "Very clear explanation.",
        "问题很快就解决了，谢谢！",
        "",
    ],
    4: ["Good help, took a little long.", "Solved, thanks.", ""],
    3: ["It works now but I had to explain twice.", ""],
    2: ["Three days for a simple DNS change.", "回复太慢了。"],
    1: ["Nobody answered over the weekend while our shop was down.", "The fix broke our mail."],
}
NPS_REASONS = {
    "high": ["Reliable servers and a support team that answers.", "性价比很高，服务稳定。", ""],
    "middle": ["Good overall, the panel could be simpler.", ""],
    "low": ["Prices went up again.", "Support is slow at weekends.", "迁移过程很麻烦。"],
}
RECENT_UNHAPPY = {66: 2, 70: 1}  # demo ticket numbers with open follow-up work to show


def demo_reference(number):
    """SVY-xxxx from the references' own alphabet (no 0/O or 1/I), one per demo ticket."""
    digits = ""
    for _ in range(4):
        number, digit = divmod(number, len(REFERENCE_ALPHABET))
        digits = REFERENCE_ALPHABET[digit] + digits
    return f"SVY-{digits}"


UNHAPPY_REFERENCES = {demo_reference(number): rating for number, rating in RECENT_UNHAPPY.items()}

OUTCOMES = [
    "Called the customer, apologised, credited one month.",
    "Walked them through the DNS panel; added a KB article.",
    "Weekend on-call rota fixed; customer happy with the answer.",
]


def seed(stdout=None):
    rng = random.Random(6)
    now = timezone.now()
    organizations = {
        org.name: org for org in Organization.objects.filter(name__in=["Acme Corp", "Globex"])
    }
    if len(organizations) < 2:
        return
    people = _extra_people(organizations)
    customers = list(
        User.objects.filter(memberships__organization__in=organizations.values(), is_staff=False)
        .distinct()
        .order_by("email")
    )
    staff = list(
        User.objects.filter(email__in=["agent@example.com", "engineer@example.com"]).order_by(
            "email"
        )
    )
    teams = list(Team.objects.order_by("tier"))
    categories = list(Category.objects.order_by("position"))

    tickets = _tickets(rng, now, organizations, staff, teams, categories)
    csat = _csat(rng, tickets)
    nps = _nps(rng, now, organizations)
    follow_ups = _follow_ups(now, csat + nps)
    if stdout:
        stdout.write(
            f"  extra customers: {len(people)} (of {len(customers)}), tickets: {len(tickets)}, "
            f"CSAT answers: {len(csat)}, NPS answers: {len(nps)}, follow-ups: {follow_ups}"
        )


def _extra_people(organizations):
    people = []
    for email, name, language, org_name, role in EXTRA_PEOPLE:
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "language": language}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(
            user=user, organization=organizations[org_name], defaults={"role": role}
        )
        if user.current_organization_id is None:
            user.current_organization = organizations[org_name]
            user.save(update_fields=["current_organization"])
        people.append(user)
    return people


def _tickets(rng, now, organizations, staff, teams, categories):
    tickets = []
    members = {
        name: list(
            User.objects.filter(memberships__organization=org, is_staff=False).order_by("email")
        )
        for name, org in organizations.items()
    }
    for number in range(1, 73):
        org_name = "Acme Corp" if number % 3 else "Globex"
        requester = members[org_name][number % len(members[org_name])]
        created = now - timedelta(days=178 - number * 2.4, hours=rng.randint(0, 8))
        solved = created + timedelta(hours=rng.randint(2, 60))
        team = teams[number % len(teams)] if teams else None
        ticket, was_created = Ticket.objects.get_or_create(
            reference=demo_reference(number),
            defaults={
                "organization": organizations[org_name],
                "requester": requester,
                "created_by": requester,
                "subject": SUBJECTS[number % len(SUBJECTS)],
                "description": "Demo ticket for the satisfaction survey results.",
                "category": categories[number % len(categories)] if categories else None,
                "team": team,
                "tier": team.tier if team else 1,
                "assignee": staff[number % len(staff)] if staff else None,
                "priority": "P2",
                "status": Ticket.Status.CLOSED,
                "created_at": created,
                "last_activity_at": solved,
                "first_response_at": created + timedelta(minutes=40),
                "solved_at": solved,
                "resolved_at": solved,
                "closed_at": min(solved + timedelta(days=4), now),
            },
        )
        if was_created:
            Message.objects.create(
                ticket=ticket, author=requester, body=ticket.description, created_at=created
            )
        tickets.append(ticket)
    return tickets


def _csat(rng, tickets):
    answers = []
    for ticket in tickets:
        roll = rng.random()
        rating = rng.choices([5, 4, 3, 2, 1], weights=[45, 25, 12, 10, 8])[0]
        comment = rng.choice(CSAT_COMMENTS[rating])
        delay = timedelta(hours=rng.randint(1, 30))
        if ticket.reference in UNHAPPY_REFERENCES:
            rating, roll = UNHAPPY_REFERENCES[ticket.reference], 0.5
            comment = CSAT_COMMENTS[rating][0]
        if roll < 0.15:  # not emailed: opted out or asked on the page only
            continue
        survey, _created = CsatSurvey.objects.get_or_create(
            ticket=ticket,
            person=ticket.requester,
            defaults={"emailed_at": ticket.solved_at, "created_at": ticket.solved_at},
        )
        if roll > 0.8:  # asked, never answered
            continue
        answered = ticket.solved_at + delay
        response, _created = CsatResponse.objects.get_or_create(
            survey=survey,
            defaults={
                "rating": rating,
                "comment": comment,
                "created_at": answered,
                "updated_at": answered,
            },
        )
        answers.append(response)
    return answers


def _nps(rng, now, organizations):
    campaigns = [
        ("Spring NPS", 170, {"audience": NpsCampaign.Audience.ALL}),
        (
            "Summer NPS — enterprise",
            75,
            {"audience": NpsCampaign.Audience.TIER, "tier": Organization.Tier.ENTERPRISE},
        ),
        (
            "Summer NPS — standard",
            70,
            {"audience": NpsCampaign.Audience.TIER, "tier": Organization.Tier.STANDARD},
        ),
    ]
    answers = []
    for name, days_ago, audience in campaigns:
        sent = now - timedelta(days=days_ago)
        campaign, _created = NpsCampaign.objects.get_or_create(
            name=name,
            defaults={
                **audience,
                "send_at": sent,
                "sent_at": sent,
                "status": NpsCampaign.Status.SENT,
                "message_en": "Thank you for hosting with us. One question, ten seconds:",
                "message_zh_hans": "感谢您选择我们的托管服务。只有一个问题，十秒钟即可完成：",
            },
        )
        memberships = Membership.objects.filter(
            organization__in=organizations.values(), user__is_staff=False
        )
        if campaign.tier:
            memberships = memberships.filter(organization__tier=campaign.tier)
        for membership in memberships.select_related("user", "organization").order_by(
            "user__email"
        ):
            score = rng.choices(range(11), weights=[1, 1, 1, 2, 2, 3, 4, 8, 10, 14, 12])[0]
            band = "high" if score >= 9 else "middle" if score >= 7 else "low"
            reason = rng.choice(NPS_REASONS[band])
            answers_it = rng.random() < 0.75
            answered = sent + timedelta(hours=rng.randint(1, 72))
            invitation, _created = NpsInvitation.objects.get_or_create(
                campaign=campaign,
                person=membership.user,
                defaults={"organization": membership.organization, "sent_at": sent},
            )
            if answers_it:
                response, _created = NpsResponse.objects.get_or_create(
                    invitation=invitation,
                    defaults={
                        "score": score,
                        "reason": reason,
                        "created_at": answered,
                        "updated_at": answered,
                    },
                )
                answers.append(response)
    NpsCampaign.objects.get_or_create(
        name="Winter NPS",
        defaults={
            "send_at": now + timedelta(days=20),
            "status": NpsCampaign.Status.DRAFT,
            "message_en": "How are we doing this year?",
            "message_zh_hans": "今年我们的表现如何？",
        },
    )
    return answers


def _follow_ups(now, answers):
    """Low answers get their follow-up; those older than forty days are done."""
    from support.tickets.services import record

    count = 0
    for answer in answers:
        if not answer.is_low:
            continue
        if isinstance(answer, CsatResponse):
            source, ticket = {"csat_response": answer}, answer.survey.ticket
            organization, person = ticket.organization, answer.survey.person
        else:
            source, ticket = {"nps_response": answer}, None
            organization, person = answer.invitation.organization, answer.invitation.person
        done = answer.created_at < now - timedelta(days=40)
        assignee = follow_up_assignee(organization, ticket)
        follow_up, created = FollowUp.objects.get_or_create(
            **source,
            defaults={
                "organization": organization,
                "ticket": ticket,
                "person": person,
                "assigned_to": assignee,
                "due_on": follow_up_due_on(answer.created_at, ticket),
                "created_at": answer.created_at,
                "status": FollowUp.Status.DONE if done else FollowUp.Status.OPEN,
                "outcome": OUTCOMES[count % len(OUTCOMES)] if done else "",
                "closed_at": answer.created_at + timedelta(days=1) if done else None,
                "closed_by": assignee if done else None,
            },
        )
        if created and ticket is not None:
            event = record(
                ticket,
                FOLLOW_UP_KIND,
                None,
                follow_up=follow_up.pk,
                source="csat",
                score=answer.rating,
            )
            event.created_at = follow_up.created_at
            event.save(update_fields=["created_at"])
            if done:
                closed = record(
                    ticket,
                    FOLLOW_UP_DONE_KIND,
                    assignee,
                    follow_up=follow_up.pk,
                    outcome=follow_up.outcome,
                )
                closed.created_at = follow_up.closed_at
                closed.save(update_fields=["created_at"])
        count += 1
    return count
