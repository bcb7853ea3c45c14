"""The back office's ticket page drawn fast: the Properties panel from a kept copy of unfold's
markup and the dropdowns from kept choices must give exactly what unfold draws itself, for
any ticket, reader and language, and follow changes at once."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Service
from portal.templatetags.backoffice import FragmentNode
from support.status.models import Component, Incident, IncidentStatus
from support.status.tests.conftest import open_incident
from support.surveys.models import CsatResponse, CsatSurvey
from support.tickets import services
from support.tickets.admin import TIMELINE_ENTRIES, TicketChangeForm, conversation_of, timeline_of
from support.tickets.models import Category, Macro, Team
from support.tickets.templatetags import ticket_page

from .test_admin import change_url

pytestmark = pytest.mark.django_db


def normalised(html):
    """The page without what changes per request (tokens, nonces) and with each element's
    classes in one order (unfold builds some class lists from sets)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(
        r'class="([^"]*)"', lambda m: 'class="{}"'.format(" ".join(sorted(m[1].split()))), html
    )


def page(client, ticket, language="en"):
    """The page in `language`, which must be the reader's saved one (it wins over the browser's)."""
    response = client.get(change_url(ticket), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()
    return normalised(response.content.decode())


def unfolds_own(client, ticket, monkeypatch, language="en"):
    """The page as unfold draws it, every dropdown and the copied-in people from the
    fields' own queries, the object tools and the reply box drawn afresh."""
    with monkeypatch.context() as patched:
        for node in (ticket_page.PropertiesNode, ticket_page.ObjectToolsNode, FragmentNode):
            patched.setattr(node, "render", lambda self, context: self.nodelist.render(context))
        draws_everything = TicketChangeForm.__init__

        def unkept(self, *args, kept_choices=False, **kwargs):
            draws_everything(self, *args, **kwargs)

        patched.setattr(TicketChangeForm, "__init__", unkept)
        return page(client, ticket, language)


@pytest.fixture
def worked_ticket(ticket, agent, owner, member):
    team = Team.objects.create(name="Web <&> mail", tier=1)
    category = Category.objects.create(name="Hosting", name_zh_hans="主机", slug="hosting-tp")
    service = Service.objects.create(organization=ticket.organization, name="vps 1", kind="vps")
    Service.objects.create(organization=ticket.organization, name="vps 2", kind="vps")
    incident = Incident.objects.create(name="Mail delays", name_zh_hans="邮件延迟")
    Macro.objects.create(name="Hello", body="Hello {first_name}")
    services.update_ticket(
        ticket,
        by=agent,
        assignee=agent,
        team=team,
        category=category,
        service=service,
        incident=incident,
        cc=[member],
    )
    return ticket


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_is_what_unfold_draws(client, agent, worked_ticket, monkeypatch, language):
    agent.language = language
    agent.save(update_fields=["language"])
    client.force_login(agent)
    expected = unfolds_own(client, worked_ticket, monkeypatch, language)
    page(client, worked_ticket, language)  # keeps the panel and the choices
    assert page(client, worked_ticket, language) == expected
    assert f'value="{worked_ticket.team_id}" selected' in expected


def test_the_page_is_what_unfold_draws_for_an_untouched_ticket_and_a_superuser(
    client, ticket, monkeypatch, django_user_model
):
    boss = django_user_model.objects.create_superuser(email="boss@example.com", password="x")
    client.force_login(boss)  # every "related" link (add, change, view) in the panel
    expected = unfolds_own(client, ticket, monkeypatch)
    page(client, ticket)
    assert page(client, ticket) == expected
    assert "add_id_team" in expected


def test_a_resolved_incident_and_changed_choices_show_at_once(
    client, agent, worked_ticket, monkeypatch
):
    client.force_login(agent)
    page(client, worked_ticket)
    Team.objects.create(name="Night shift", tier=2)
    incident = worked_ticket.incident
    incident.post_update(IncidentStatus.RESOLVED, "Fixed.")
    category = worked_ticket.category
    category.name = "Hosting (renamed)"
    category.save()
    shown = page(client, worked_ticket)
    assert "Night shift" in shown and "Hosting (renamed)" in shown
    assert shown == unfolds_own(client, worked_ticket, monkeypatch)
    assert f'value="{worked_ticket.incident_id}" selected>Mail delays' in shown


def test_a_form_sent_back_with_errors_is_drawn_by_unfold(client, agent, worked_ticket):
    client.force_login(agent)
    response = client.post(
        change_url(worked_ticket), {"priority": "P9", "_save": "1", "reply_body": ""}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_page_asks_few_queries(client, agent, worked_ticket):
    client.force_login(agent)
    page(client, worked_ticket)
    with CaptureQueriesContext(connection) as captured:
        page(client, worked_ticket)
    # session, person, ticket (with its timeline), messages (with their attachments), related
    # tickets, the ticket's incident (for its link), presence, permissions (the person's and
    # their groups'), colleagues (copied in or not), and once a second the kept parts'
    # version: no dropdown, no customer panel query.
    assert len(captured) <= 10, "\n".join(query["sql"][:150] for query in captured)


def test_the_customer_panel_follows_services_incidents_and_answers_at_once(
    client, agent, ticket, owner
):
    client.force_login(agent)
    assert "web01" not in page(client, ticket)  # the organisation's part is kept now
    service = Service.objects.create(organization=ticket.organization, name="web01", kind="vps")
    component = Component.objects.create(name="Web servers", slug="web-tp")
    component.services.add(service)
    shown = page(client, ticket)
    assert "web01" in shown and "Web servers: Operational" in shown
    open_incident([component], name="Web servers unreachable")
    shown = page(client, ticket)
    assert "Web servers unreachable" in shown and "Web servers: Partial outage" in shown
    survey = CsatSurvey.objects.create(ticket=ticket, person=owner)
    CsatResponse.objects.create(survey=survey, rating=2)
    assert "2/5" in page(client, ticket)


def test_the_customer_panel_names_components_and_incidents_in_the_readers_language(
    client, agent, ticket
):
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    client.force_login(agent)
    service = Service.objects.create(organization=ticket.organization, name="web01", kind="vps")
    component = Component.objects.create(
        name="Web servers", name_zh_hans="网站服务器", slug="web-zh"
    )
    component.services.add(service)
    open_incident([component], name="Web servers unreachable", name_zh_hans="网站服务器无法访问")
    shown = page(client, ticket, "zh-hans")
    assert "网站服务器：" in shown or "网站服务器:" in shown
    assert "网站服务器无法访问" in shown
    agent.language = "en"
    agent.save(update_fields=["language"])
    english = page(client, ticket)
    assert "Web servers: Partial outage" in english and "Web servers unreachable" in english


# The conversation and the timeline, as the template's loops drew them before they were drawn
# in one pass (templatetags/ticket_page.py).
LOOPS = """{% load i18n portal_tags %}{% for message in conversation %}
        <li class="{% if message.internal %}bo-internal{% else %}bo-public{% endif %}" id="message-{{ message.pk }}">
          <p class="bo-message-meta">
            {% if message.internal %}<span class="bo-label bo-label-note">{% translate "Internal note — staff only" %}</span>{% else %}<span class="bo-label bo-label-public">{% translate "Public reply" %}</span>{% endif %}
            <strong>{{ message.author.display_name|default:"—" }}</strong>{% if message.author and message.author.is_staff %} <span class="bo-muted">({% translate "staff" %})</span>{% endif %}
            <span class="bo-muted">{{ message.created_at|date:"DATETIME_FORMAT" }} · {{ message.get_channel_display }}</span>
          </p>
          <div class="bo-message-body">{{ message.body|markdown }}</div>
          {% for attachment in message.attachments.all %}
            <p><a href="{% url 'admin:tickets_ticket_attachment' original.pk attachment.pk %}">{{ attachment.name }}</a> ({{ attachment.size|filesizeformat }})</p>
          {% endfor %}
        </li>
        {% endfor %}|{% for event in timeline %}<li><span class="bo-muted">{{ event.created_at|date:"SHORT_DATETIME_FORMAT" }}</span> {{ event.describe }}{% if event.actor %} — {{ event.actor.display_name }}{% endif %}</li>{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize(("language", "zone"), [("en", "UTC"), ("zh-hans", "Asia/Shanghai")])
def test_the_conversation_and_timeline_are_what_the_loops_drew(
    worked_ticket, agent, owner, language, zone
):
    from django.contrib.postgres.expressions import ArraySubquery
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.template import Context, Template
    from django.utils import timezone, translation

    from support.tickets.models import Message, Ticket, TimelineEvent

    def log(name, size):
        return SimpleUploadedFile(name, b"x" * size, content_type="text/plain")

    ticket = worked_ticket
    services.add_reply(
        ticket,
        author=owner,
        body="Logs <b>attached</b> & **more**",
        attachments=[log("a<1>.txt", 10)],
    )
    services.add_reply(
        ticket,
        author=agent,
        body="Looking \u4e2d\u6587",
        internal=True,
        attachments=[log("big.log", 3_000_000), log("b.txt", 1)],
    )
    Message.objects.create(ticket=ticket, author=None, body="From an address we don't know")
    TimelineEvent.objects.create(
        ticket=ticket, kind=TimelineEvent.Kind.STATUS, data={"old": "new", "new": "open"}
    )
    timeline = list(ticket.events.select_related("actor"))
    read = Ticket.objects.annotate(timeline_entries=ArraySubquery(TIMELINE_ENTRIES))
    read_timeline = timeline_of(read.get(pk=ticket.pk))  # as the page reads it
    assert [event.pk for event in read_timeline] == [event.pk for event in timeline]
    with translation.override(language), timezone.override(zone):
        old = Template(LOOPS).render(
            Context(
                {
                    "conversation": list(
                        ticket.messages.select_related("author").prefetch_related("attachments")
                    ),
                    "timeline": timeline,
                    "original": ticket,
                }
            )
        )
        new = (
            ticket_page.conversation_items(conversation_of(ticket), ticket)
            + "|"
            + ticket_page.timeline_items(read_timeline)
        )
    assert new == old
    assert ">big.log</a> (2.9\xa0MB)" in new and "bo-internal" in new
    assert "— Alex Agent</li>" in new
    assert language != "en" or "Status changed from New to Open</li>" in new
