from accounts import demo as accounts_demo
from support.outbox.models import OutboxMessage
from support.surveys import demo
from support.surveys.models import CsatResponse, FollowUp, NpsCampaign, NpsResponse
from support.tickets.models import TimelineEvent


def counts():
    return (
        CsatResponse.objects.count(),
        NpsResponse.objects.count(),
        FollowUp.objects.filter(status="open").count(),
        FollowUp.objects.filter(status="done").count(),
        NpsCampaign.objects.count(),
        TimelineEvent.objects.count(),
    )


def test_demo_data_is_idempotent_covers_six_months_and_sends_no_email(db):
    accounts_demo.seed()
    demo.seed()
    first = counts()
    demo.seed()
    assert counts() == first
    csat, nps, open_follow_ups, done_follow_ups, _campaigns, _events = first
    assert csat > 30 and nps > 5 and open_follow_ups > 0 and done_follow_ups > 0
    months = {answer.created_at.strftime("%Y-%m") for answer in CsatResponse.objects.all()}
    assert len(months) >= 6
    assert not OutboxMessage.objects.exists()
