from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Organization
from conftest import make_organization, make_user
from portal.tokens import make_token
from support.surveys import services, tasks
from support.surveys.models import NpsCampaign, NpsInvitation, NpsResponse, set_opt_out

from .conftest import links, path_of


def campaign(**fields):
    values = {
        "name": "Autumn NPS",
        "status": NpsCampaign.Status.SCHEDULED,
        "send_at": timezone.now() - timedelta(minutes=1),
        "message_en": "Thanks for hosting with us.",
        "message_zh_hans": "感谢您选择我们的托管服务。",
    }
    values.update(fields)
    return NpsCampaign.objects.create(**values)


def invited_emails(nps_campaign):
    return set(nps_campaign.invitations.values_list("person__email", flat=True))


@pytest.fixture
def globex(outsider):
    return Organization.objects.get(name="Globex")


def test_a_due_campaign_goes_to_every_member_with_eleven_score_links(
    organization, outsider, staff_user, send_queued_mail
):
    nps = campaign()
    assert tasks.send_due_campaigns() == {nps.pk: 3}

    assert invited_emails(nps) == {
        "owner@acme.example",
        "member@acme.example",
        "outsider@globex.example",
    }
    nps.refresh_from_db()
    assert nps.status == NpsCampaign.Status.SENT and nps.sent_at
    messages = send_queued_mail()
    assert len(messages) == 3
    message = next(m for m in messages if m.to == ["owner@acme.example"])
    assert "How likely are you to recommend us to a friend or colleague?" in message.body
    assert "Thanks for hosting with us." in message.body
    assert len(links(message.body, "nps")) == 11
    assert tasks.send_due_campaigns() == {}  # sent once


def test_the_campaign_email_is_in_the_persons_language(organization, send_queued_mail):
    chen = make_user("chen@acme.example", full_name="Chen Wei", language="zh-hans")
    organization.memberships.create(user=chen, role="member")
    campaign()
    tasks.send_due_campaigns()
    message = next(m for m in send_queued_mail() if m.to == [chen.email])
    assert message.message()["Content-Language"] == "zh-hans"
    assert "感谢您选择我们的托管服务。" in message.body
    assert '<div lang="zh-hans">' in message.alternatives[0][0]


def test_campaigns_wait_for_their_time_and_drafts_never_go(organization):
    later = campaign(send_at=timezone.now() + timedelta(hours=1))
    draft = campaign(status=NpsCampaign.Status.DRAFT)
    assert tasks.send_due_campaigns() == {}
    assert not NpsInvitation.objects.filter(campaign__in=[later, draft]).exists()


def test_audience_by_tier_and_by_role(organization, globex, outsider):
    by_tier = campaign(audience=NpsCampaign.Audience.TIER, tier=Organization.Tier.STANDARD)
    assert [user.email for user in services.campaign_recipients(by_tier)] == [outsider.email]
    by_role = campaign(audience=NpsCampaign.Audience.ROLE, role="owner")
    assert {user.email for user in services.campaign_recipients(by_role)} == {
        "owner@acme.example",
        "outsider@globex.example",
    }


def test_nobody_is_asked_twice_in_ninety_days_across_campaigns(organization, owner, member):
    first = campaign(name="Spring")
    services.send_campaign(first)
    second = campaign(name="Summer")
    assert services.send_campaign(second) == 0

    # 89 days later still too soon for the owner; 91 days later the member may be asked again.
    NpsInvitation.objects.filter(person=owner).update(sent_at=timezone.now() - timedelta(days=89))
    NpsInvitation.objects.filter(person=member).update(sent_at=timezone.now() - timedelta(days=91))
    third = campaign(name="Autumn")
    services.send_campaign(third)
    assert invited_emails(third) == {member.email}


def test_people_in_two_organisations_are_asked_once(owner, organization):
    make_organization("Initech", Organization.Tier.ENTERPRISE, admin=owner)
    nps = campaign()
    services.send_campaign(nps)
    assert NpsInvitation.objects.filter(person=owner).count() == 1


def test_opted_out_people_are_left_out(organization, owner, member):
    set_opt_out(member, True)
    nps = campaign()
    services.send_campaign(nps)
    assert invited_emails(nps) == {owner.email}


@pytest.fixture
def score_links(organization, owner, send_queued_mail):
    campaign(audience=NpsCampaign.Audience.ROLE, role="owner")
    tasks.send_due_campaigns()
    message = next(m for m in send_queued_mail() if m.to == [owner.email])
    return [path_of(url) for url in links(message.body, "nps")]


def test_nps_get_records_nothing_and_post_records_once(client, score_links, owner):
    page = client.get(score_links[9])
    assert page.status_code == 200
    assert page.context["form"].initial["score"] == 9
    assert "What is the main reason for your score?" in page.content.decode()
    assert not NpsResponse.objects.exists()

    client.post(score_links[9], {"score": 9, "reason": "Fast support"})
    client.post(score_links[9], {"score": 9, "reason": "Fast support"})
    answer = NpsResponse.objects.get()
    assert (answer.invitation.person, answer.score, answer.reason) == (owner, 9, "Fast support")


def test_nps_answer_changes_within_seven_days_only(client, score_links):
    client.post(score_links[5], {"score": 5})
    client.post(score_links[7], {"score": 7, "reason": "Better now"})
    assert NpsResponse.objects.get().score == 7
    NpsResponse.objects.update(created_at=timezone.now() - timedelta(days=8))
    client.post(score_links[10], {"score": 10})
    assert NpsResponse.objects.get().score == 7


def test_nps_bad_tokens_record_nothing(client, score_links):
    csat_style = make_token(services.CSAT_PURPOSE, {"i": NpsInvitation.objects.get().pk, "s": 10})
    for url in (score_links[10][:-4] + "xyz/", f"/surveys/nps/{csat_style}/"):
        assert client.post(url, {"score": 10}).status_code == 400
    assert not NpsResponse.objects.exists()


def test_nps_links_stop_when_the_person_leaves_the_organisation(client, score_links, owner):
    Membership.objects.filter(user=owner).delete()
    for method in (client.get, client.post):
        assert method(score_links[10], {"score": 10}).status_code == 400
    assert not NpsResponse.objects.exists()
