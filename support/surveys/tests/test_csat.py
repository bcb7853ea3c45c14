from datetime import timedelta

import pytest
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from conftest import make_user
from portal.tokens import make_token
from support.surveys import services
from support.surveys.models import CsatResponse, CsatSurvey, set_opt_out
from support.tickets.models import Ticket, TimelineEvent

from .conftest import links, path_of


def survey_mail(messages, person):
    found = [m for m in messages if person.email in m.to and "/surveys/csat/" in m.body]
    assert len(found) == 1, [m.subject for m in messages]
    return found[0]


def test_solving_a_ticket_emails_the_requester_five_rating_links(
    ticket, owner, agent, solve, send_queued_mail
):
    solve(ticket, by=agent)

    message = survey_mail(send_queued_mail(), owner)
    assert message.subject == f"How did we do on [{ticket.reference}] Shop is down?"
    assert len(links(message.body)) == 5
    html = message.alternatives[0][0]
    assert len(links(html)) == 5
    assert message.message()["Content-Language"] == "en"
    survey = CsatSurvey.objects.get(ticket=ticket, person=owner)
    assert survey.emailed_at is not None
    assert not CsatResponse.objects.exists()


def test_the_survey_email_is_in_the_persons_language(
    open_ticket, organization, solve, send_queued_mail
):
    chen = make_user("chen@acme.example", full_name="Chen Wei", language="zh-hans")
    organization.memberships.create(user=chen, role="member")
    ticket = open_ticket(requester=chen)
    solve(ticket)

    message = survey_mail(send_queued_mail(), chen)
    assert message.message()["Content-Language"] == "zh-hans"
    html = message.alternatives[0][0]
    assert '<div lang="zh-hans">' in html
    # The email is what the template gives under the person's language, not under English.
    survey = CsatSurvey.objects.get(ticket=ticket)
    context = {"ticket": ticket, "recipient": chen, "ratings": [], "survey_url": ""}
    with translation.override("zh-hans"):
        expected = " ".join(render_to_string("surveys/email/csat_subject.txt", context).split())
    assert message.subject == expected
    assert survey.person == chen


def test_solving_twice_asks_once(ticket, agent, solve, send_queued_mail):
    solve(ticket, by=agent)
    ticket_services_reopen(ticket, agent)
    solve(ticket, by=agent)
    assert sum("/surveys/csat/" in m.body for m in send_queued_mail()) == 1


def ticket_services_reopen(ticket, by):
    from support.tickets import services as ticket_services

    ticket_services.change_status(ticket, Ticket.Status.OPEN, by=by)


def test_people_who_opted_out_get_no_survey_email(ticket, owner, agent, solve, send_queued_mail):
    set_opt_out(owner, True)
    solve(ticket, by=agent)
    assert not any("/surveys/csat/" in m.body for m in send_queued_mail())
    assert not CsatSurvey.objects.exists()


@pytest.fixture
def rating_links(ticket, agent, solve, send_queued_mail, owner):
    solve(ticket, by=agent)
    return [path_of(url) for url in links(survey_mail(send_queued_mail(), owner).body)]


def test_a_get_shows_the_rating_chosen_and_records_nothing(client, rating_links):
    response = client.get(rating_links[3])  # the "4" link

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="4" required id="id_rating_1" checked' in page or 'value="4"' in page
    assert response.context["form"].initial["rating"] == 4
    assert 'name="comment"' in page
    assert not CsatResponse.objects.exists()
    assert not TimelineEvent.objects.filter(kind="csat").exists()
    client.get(rating_links[0])
    assert not CsatResponse.objects.exists()


def test_the_post_records_once(client, rating_links, ticket, owner):
    response = client.post(rating_links[4], {"rating": 5, "comment": "Quick and kind."})
    assert response.status_code == 302
    client.post(rating_links[4], {"rating": 5, "comment": "Quick and kind."})

    answer = CsatResponse.objects.get()
    assert (answer.survey.ticket, answer.survey.person, answer.rating) == (ticket, owner, 5)
    assert answer.comment == "Quick and kind."
    page = client.get(rating_links[4]).content.decode()
    assert "Your answer is saved" in page


def test_the_script_can_submit_the_rating_then_the_comment_follows(client, rating_links):
    response = client.post(rating_links[2], {"rating": 3}, headers={"X-Survey-Autosubmit": "1"})
    assert response.json() == {"saved": True, "closed": False}
    client.post(rating_links[2], {"rating": 3, "comment": "Took a while."})
    answer = CsatResponse.objects.get()
    assert (answer.rating, answer.comment) == (3, "Took a while.")


def test_a_rating_can_be_changed_for_seven_days(client, rating_links):
    client.post(rating_links[2], {"rating": 3})
    client.post(rating_links[4], {"rating": 5, "comment": "Fixed after all"})
    answer = CsatResponse.objects.get()
    assert (answer.rating, answer.comment) == (5, "Fixed after all")


def test_a_rating_cannot_be_changed_after_seven_days(client, rating_links):
    client.post(rating_links[3], {"rating": 4})
    CsatResponse.objects.update(created_at=timezone.now() - timedelta(days=7, minutes=1))

    response = client.post(rating_links[0], {"rating": 1}, follow=True)

    assert CsatResponse.objects.get().rating == 4
    assert "can no longer be changed" in response.content.decode()
    assert "You rated this ticket 4 out of 5" in client.get(rating_links[0]).content.decode()


def test_a_tampered_token_shows_a_clear_page_and_records_nothing(client, rating_links):
    token = rating_links[4].split("/")[3]
    tampered = f"/surveys/csat/{token[:-3]}{'AAA' if token[-3:] != 'AAA' else 'BBB'}/"
    for method in (client.get, client.post):
        response = method(tampered, {"rating": 5}) if method == client.post else method(tampered)
        assert response.status_code == 400
        assert "This survey link doesn't work" in response.content.decode()
    assert not CsatResponse.objects.exists()


def test_a_foreign_token_records_nothing(client, rating_links, ticket, owner, member):
    # Signed for another purpose, for another person, or with another key: all refused.
    other_purpose = make_token("surveys.nps", {"t": ticket.pk, "p": owner.pk, "r": 5})
    other_person = services.csat_token(ticket, member, 5)
    other_key = signing.dumps(
        {"t": ticket.pk, "p": owner.pk, "r": 5},
        key="another-key",
        salt="portal.surveys.csat",
        compress=True,
    )
    for token in (other_purpose, other_person, other_key):
        response = client.post(f"/surveys/csat/{token}/", {"rating": 5})
        assert response.status_code == 400
    assert not CsatResponse.objects.exists()


def test_an_expired_token_records_nothing(client, ticket, owner, agent, solve, monkeypatch):
    solve(ticket, by=agent)
    real_time = signing.time.time
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: real_time() - 31 * 24 * 3600)
        token = services.csat_token(ticket, owner, 5)
    response = client.post(f"/surveys/csat/{token}/", {"rating": 5})
    assert response.status_code == 400
    assert not CsatResponse.objects.exists()
    # 29 days old is still fine.
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: real_time() - 29 * 24 * 3600)
        token = services.csat_token(ticket, owner, 5)
    assert client.post(f"/surveys/csat/{token}/", {"rating": 5}).status_code == 302


# The survey on the ticket page -----------------------------------------------------------------


def test_the_ticket_page_survey_is_for_the_requester_of_a_solved_ticket(
    rf, ticket, owner, member, agent, solve
):
    from support.surveys.views import ticket_survey_context

    request = rf.get("/")
    request.user, request.membership = owner, owner.memberships.get()
    assert ticket_survey_context(request, ticket) is None  # still open
    solve(ticket, by=agent)
    assert ticket_survey_context(request, ticket)["response"] is None
    html = render_to_string(
        "surveys/_ticket_survey.html", {"survey": ticket_survey_context(request, ticket)}, request
    )
    assert reverse("surveys:ticket_rate", args=[ticket.reference]) in html
    request.user, request.membership = member, member.memberships.get()
    assert ticket_survey_context(request, ticket) is None


def test_rating_from_the_ticket_page(owner_client, ticket, agent, solve):
    solve(ticket, by=agent)
    url = reverse("surveys:ticket_rate", args=[ticket.reference])

    response = owner_client.post(url, {"rating": 4, "comment": "Good"})
    assert response.status_code == 302
    assert response["Location"] == ticket.get_absolute_url()
    owner_client.post(url, {"rating": 5, "comment": "Better"})
    answer = CsatResponse.objects.get()
    assert (answer.rating, answer.comment) == (5, "Better")


def test_the_ticket_page_rating_is_scoped(
    client, ticket, agent, solve, member, outsider, open_ticket
):
    url = reverse("surveys:ticket_rate", args=[ticket.reference])
    client.force_login(outsider)
    assert client.post(url, {"rating": 1}).status_code == 404
    client.force_login(member)  # same organisation, not the requester
    assert client.post(url, {"rating": 1}).status_code == 404
    client.force_login(ticket.requester)
    unsolved = open_ticket()
    assert (
        client.post(
            reverse("surveys:ticket_rate", args=[unsolved.reference]), {"rating": 1}
        ).status_code
        == 404
    )
    assert client.get(url).status_code == 405
    assert not CsatResponse.objects.exists()


def test_the_profile_checkbox_opts_out_and_back_in(owner_client, owner):
    from support.surveys.models import has_opted_out

    page = owner_client.get(reverse("profile")).content.decode()
    assert "don&#x27;t send me satisfaction surveys" in page.lower()
    owner_client.post(reverse("surveys:preferences"), {"opted_out": "on"})
    assert has_opted_out(owner)
    owner_client.post(reverse("surveys:preferences"), {})
    assert not has_opted_out(owner)


def test_the_template_tag_renders_the_survey_with_a_csrf_token(rf, ticket, owner, agent, solve):
    from django.middleware.csrf import get_token
    from django.template import RequestContext, Template

    solve(ticket, by=agent)
    request = rf.get(ticket.get_absolute_url())
    request.user, request.membership = owner, owner.memberships.get()
    get_token(request)
    html = Template("{% load surveys_tags %}{% ticket_survey ticket %}").render(
        RequestContext(request, {"ticket": ticket})
    )
    assert "How did we do?" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'action="/surveys/tickets/{ticket.reference}/rate/"' in html
    assert html.count('type="radio"') == 5


def test_the_survey_email_offers_one_click_opt_out(
    ticket, owner, agent, solve, send_queued_mail, client
):
    from support.surveys.models import has_opted_out

    solve(ticket, by=agent)
    message = survey_mail(send_queued_mail(), owner).message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = path_of(message["List-Unsubscribe"].strip().strip("<>"))
    assert url.startswith("/surveys/opt-out/")

    assert client.get(url).status_code == 200
    assert not has_opted_out(owner)  # a mail scanner's GET changes nothing
    response = client.post(
        url, {"List-Unsubscribe": "One-Click"}
    )  # as mail clients do: no CSRF token
    assert response.status_code == 200
    assert has_opted_out(owner)
    assert client.post(url[:-5] + "xxxx/").status_code == 400


def test_survey_links_stop_when_the_person_leaves_the_organisation(
    client, open_ticket, member, agent, solve
):
    ticket = open_ticket(requester=member)
    solve(ticket, by=agent)
    link = f"/surveys/csat/{services.csat_token(ticket, member, 1)}/"
    assert client.get(link).status_code == 200
    Membership.objects.filter(user=member).delete()
    for method in (client.get, client.post):
        response = method(link, {"rating": 1})
        assert response.status_code == 400
        assert ticket.subject not in response.content.decode()
    assert not CsatResponse.objects.exists()
