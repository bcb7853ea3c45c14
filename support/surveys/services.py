"""Recording answers, opening follow-ups and choosing who is asked.

Views, tasks, the admin and the demo data all come through here.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.access import is_active_member
from accounts.models import Membership
from accounts.staff_groups import ENGINEERS
from portal.emails import send_email_to_user
from portal.net import absolute_url
from portal.tokens import make_token, read_token
from portal.unsubscribe import read_unsubscribe_token, unsubscribe_headers, unsubscribe_token
from support.tickets.access import receives_email

from .models import (
    NPS_THROTTLE,
    TOKEN_MAX_AGE,
    CsatResponse,
    CsatSurvey,
    FollowUp,
    NpsCampaign,
    NpsInvitation,
    NpsResponse,
    SurveyPreference,
)

CSAT_PURPOSE = "surveys.csat"
NPS_PURPOSE = "surveys.nps"
OPT_OUT_PURPOSE = "surveys.opt_out"
FOLLOW_UP_BUSINESS_DAYS = 2

# Timeline kinds this app adds to a ticket (labels: see the report / support.tickets.timeline).
CSAT_KIND = "csat"
FOLLOW_UP_KIND = "follow_up"
FOLLOW_UP_DONE_KIND = "follow_up_done"


class SurveyClosed(Exception):
    """The answer is older than the change window and can no longer be changed."""


# Tokens ---------------------------------------------------------------------------------------


def csat_token(ticket, person, rating=None):
    return make_token(CSAT_PURPOSE, {"t": ticket.pk, "p": person.pk, "r": rating})


def nps_token(invitation, score=None):
    return make_token(NPS_PURPOSE, {"i": invitation.pk, "s": score})


def read_csat_token(token):
    """(survey, rating) for a valid token, else None. Never creates anything."""
    payload = read_token(CSAT_PURPOSE, token, TOKEN_MAX_AGE.total_seconds())
    if not isinstance(payload, dict):
        return None
    survey = (
        CsatSurvey.objects.select_related("ticket", "person")
        .filter(ticket_id=payload.get("t"), person_id=payload.get("p"))
        .first()
    )
    # A link outlives nobody's access: only while the person still receives the ticket's
    # emails (an active member, its requester or copied in).
    if survey is None or not receives_email(survey.person, survey.ticket):
        return None
    rating = payload.get("r")
    return survey, rating if rating in range(1, 6) else None


def read_nps_token(token):
    payload = read_token(NPS_PURPOSE, token, TOKEN_MAX_AGE.total_seconds())
    if not isinstance(payload, dict):
        return None
    invitation = (
        NpsInvitation.objects.select_related("campaign", "person", "organization")
        .filter(pk=payload.get("i"))
        .first()
    )
    if invitation is None or not is_active_member(invitation.person, invitation.organization_id):
        return None
    score = payload.get("s")
    return invitation, score if score in range(0, 11) else None


def csat_url(ticket, person, rating=None):
    return absolute_url(reverse("surveys:csat", args=[csat_token(ticket, person, rating)]))


def nps_url(invitation, score=None):
    return absolute_url(reverse("surveys:nps", args=[nps_token(invitation, score)]))


# Opt-out --------------------------------------------------------------------------------------


def opt_out_url(person):
    token = unsubscribe_token(OPT_OUT_PURPOSE, person)
    return absolute_url(reverse("surveys:opt_out", args=[token]))


def read_opt_out_token(token):
    return read_unsubscribe_token(OPT_OUT_PURPOSE, token)


def survey_email_headers(person):
    """Content-Language, and one-click unsubscribe (RFC 8058) from surveys."""
    return {"Content-Language": person.language, **unsubscribe_headers(opt_out_url(person))}


def not_opted_out(users):
    opted_out = SurveyPreference.objects.filter(user_id=OuterRef("pk"), opted_out=True)
    return users.filter(~Exists(opted_out))


# Answers --------------------------------------------------------------------------------------


def record_csat(survey, rating, comment="", now=None):
    """Record or change a CSAT answer; returns (response, created). Raises SurveyClosed."""
    now = now or timezone.now()
    with transaction.atomic():
        CsatSurvey.objects.select_for_update().get(pk=survey.pk)
        response = CsatResponse.objects.filter(survey=survey).first()
        created = response is None
        if created:
            response = CsatResponse.objects.create(
                survey=survey, rating=rating, comment=comment, created_at=now, updated_at=now
            )
        elif not response.can_change(now):
            raise SurveyClosed
        else:
            response.rating, response.comment, response.updated_at = rating, comment, now
            response.save(update_fields=["rating", "comment", "updated_at"])
        from support.tickets.services import record

        record(survey.ticket, CSAT_KIND, survey.person, rating=rating, changed=not created)
        if response.is_low:
            open_follow_up(response, now=now)
    return response, created


def record_nps(invitation, score, reason="", now=None):
    now = now or timezone.now()
    with transaction.atomic():
        NpsInvitation.objects.select_for_update().get(pk=invitation.pk)
        response = NpsResponse.objects.filter(invitation=invitation).first()
        created = response is None
        if created:
            response = NpsResponse.objects.create(
                invitation=invitation, score=score, reason=reason, created_at=now, updated_at=now
            )
        elif not response.can_change(now):
            raise SurveyClosed
        else:
            response.score, response.reason, response.updated_at = score, reason, now
            response.save(update_fields=["score", "reason", "updated_at"])
        if response.is_low:
            open_follow_up(response, now=now)
    return response, created


# Follow-ups -----------------------------------------------------------------------------------


def add_business_days(day, count, calendar=None):
    """`count` working days after `day` in a business calendar (support.tickets.sla.Calendar);
    Monday to Friday without one."""
    from support.tickets.sla import add_business_days

    return add_business_days(day, count, calendar)


def follow_up_due_on(now, ticket=None):
    calendar = follow_up_calendar(ticket)
    today = timezone.localdate(now, calendar.zone if calendar else None)
    return add_business_days(today, FOLLOW_UP_BUSINESS_DAYS, calendar)


def follow_up_calendar(ticket=None):
    """The calendar of the ticket's team, else of Tier 2 (who follow up), else None."""
    from support.tickets.models import Team

    team = ticket.team if ticket is not None and ticket.team_id else None
    if team is None or team.calendar_id is None:
        team = Team.objects.filter(tier=2, calendar__isnull=False).order_by("pk").first()
    if team is None or team.calendar_id is None:
        return None
    return team.calendar.as_calendar()


def tier2_staff():
    """People of the Tier 2 team's group (or the Support engineers group), least busy first."""
    from support.tickets.models import Team

    team = Team.objects.filter(tier=2, group__isnull=False).order_by("pk").first()
    group_filter = Q(groups=team.group_id) if team else Q(groups__name=ENGINEERS)
    return (
        get_user_model()
        .objects.filter(group_filter, is_active=True, is_staff=True)
        .annotate(
            open_follow_ups=Count(
                "survey_follow_ups", filter=Q(survey_follow_ups__status=FollowUp.Status.OPEN)
            )
        )
        .order_by("open_follow_ups", "pk")
    )


def follow_up_assignee(organization, ticket=None):
    """The account manager, else the ticket's assignee, else someone from Tier 2."""
    if organization.account_manager_id and organization.account_manager.is_active:
        return organization.account_manager
    if ticket is not None and ticket.assignee_id and ticket.assignee.is_active:
        return ticket.assignee
    return tier2_staff().first()


def open_follow_up(response, now=None):
    """Open the follow-up of a low answer (once); staff are told by email."""
    now = now or timezone.now()
    if isinstance(response, CsatResponse):
        survey = response.survey
        ticket, person, organization = survey.ticket, survey.person, survey.ticket.organization
        source = {"csat_response": response}
    else:
        invitation = response.invitation
        ticket, person, organization = None, invitation.person, invitation.organization
        source = {"nps_response": response}
    existing = FollowUp.objects.filter(**source).first()
    if existing:
        return existing
    assignee = follow_up_assignee(organization, ticket)
    follow_up = FollowUp.objects.create(
        **source,
        organization=organization,
        ticket=ticket,
        person=person,
        assigned_to=assignee,
        due_on=follow_up_due_on(now, ticket),
        created_at=now,
    )
    if ticket is not None:
        from support.tickets.services import record

        record(
            ticket,
            FOLLOW_UP_KIND,
            None,
            follow_up=follow_up.pk,
            source=follow_up.source,
            score=follow_up.score,
            assignee=assignee.display_name if assignee else "",
            due=follow_up.due_on.isoformat(),
        )
    if assignee is not None:
        link = absolute_url(reverse("admin:surveys_followup_change", args=[follow_up.pk]))
        send_email_to_user(
            assignee, "surveys/email/follow_up", {"follow_up": follow_up, "link": link}
        )
    return follow_up


def close_follow_up(follow_up, outcome, by, now=None):
    """Mark a follow-up done with its outcome, and say so on the ticket's timeline."""
    follow_up.status = FollowUp.Status.DONE
    follow_up.outcome = outcome
    follow_up.closed_at = now or timezone.now()
    follow_up.closed_by = by
    follow_up.full_clean()
    follow_up.save()
    note_closed(follow_up)
    return follow_up


def note_closed(follow_up):
    if follow_up.ticket_id:
        from support.tickets.services import record

        record(
            follow_up.ticket,
            FOLLOW_UP_DONE_KIND,
            follow_up.closed_by,
            follow_up=follow_up.pk,
            outcome=follow_up.outcome,
        )


# CSAT emails ----------------------------------------------------------------------------------


def send_csat_survey(ticket, now=None):
    """Ask the requester of a solved ticket how we did (once per ticket and person), while they
    still receive its emails (support.tickets.access)."""
    person = ticket.requester
    if (
        not person.is_active
        or person.is_staff
        or not receives_email(person, ticket)
        or not not_opted_out(get_user_model().objects.filter(pk=person.pk)).exists()
    ):
        return None
    with transaction.atomic():
        survey, _created = CsatSurvey.objects.get_or_create(ticket=ticket, person=person)
        survey = CsatSurvey.objects.select_for_update().get(pk=survey.pk)
        if survey.emailed_at is not None:
            return None
        survey.emailed_at = now or timezone.now()
        survey.save(update_fields=["emailed_at"])
        ratings = [(rating, csat_url(ticket, person, rating)) for rating in range(1, 6)]
        send_email_to_user(
            person,
            "surveys/email/csat",
            {
                "ticket": ticket,
                "ratings": ratings,
                "survey_url": csat_url(ticket, person),
                "opt_out_url": opt_out_url(person),
            },
            headers=survey_email_headers(person),
        )
    return survey


# NPS campaigns --------------------------------------------------------------------------------


def campaign_memberships(campaign):
    memberships = Membership.objects.filter(user__is_active=True, user__is_staff=False)
    if campaign.audience == NpsCampaign.Audience.TIER:
        memberships = memberships.filter(organization__tier=campaign.tier)
    elif campaign.audience == NpsCampaign.Audience.ROLE:
        memberships = memberships.filter(role=campaign.role)
    return memberships


def recently_asked(now=None):
    """People who got an NPS invitation (of any campaign) in the last 90 days."""
    since = (now or timezone.now()) - NPS_THROTTLE
    return NpsInvitation.objects.filter(sent_at__gt=since)


def campaign_recipients(campaign, now=None):
    """{user: organization} for a campaign: its audience, minus opt-outs and the 90-day throttle."""
    asked = recently_asked(now).filter(person_id=OuterRef("user_id"))
    opted_out = SurveyPreference.objects.filter(user_id=OuterRef("user_id"), opted_out=True)
    memberships = (
        campaign_memberships(campaign)
        .filter(~Exists(asked), ~Exists(opted_out))
        .select_related("user", "organization")
        .order_by("user_id", "created_at", "pk")
    )
    recipients = {}
    for membership in memberships:
        recipients.setdefault(membership.user, membership.organization)
    return recipients


def send_campaign(campaign, now=None):
    """Invite the campaign's audience; returns how many were invited."""
    now = now or timezone.now()
    with transaction.atomic():
        campaign = NpsCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status != NpsCampaign.Status.SCHEDULED:
            return 0
        invited = 0
        for person, organization in campaign_recipients(campaign, now).items():
            invitation = NpsInvitation.objects.create(
                campaign=campaign, person=person, organization=organization, sent_at=now
            )
            scores = [(score, nps_url(invitation, score)) for score in range(11)]
            send_email_to_user(
                person,
                "surveys/email/nps",
                {
                    "campaign": campaign,
                    "message": campaign.message_for(person.language),
                    "scores": scores,
                    "survey_url": nps_url(invitation),
                    "opt_out_url": opt_out_url(person),
                },
                headers=survey_email_headers(person),
            )
            invited += 1
        campaign.status = NpsCampaign.Status.SENT
        campaign.sent_at = now
        campaign.save(update_fields=["status", "sent_at"])
    return invited


def due_campaigns(now=None):
    return NpsCampaign.objects.filter(
        status=NpsCampaign.Status.SCHEDULED, send_at__lte=now or timezone.now()
    )
