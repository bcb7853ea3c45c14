"""Back-office search: references, subject words, email addresses and message phrases, in
English and Chinese, through the full-text and reference indexes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from support.tickets import queues, services
from support.tickets.models import Message, Ticket
from support.tickets.search import matching_sql, near, search_tickets

from .conftest import bulk_tickets

pytestmark = pytest.mark.django_db

LIST = "/admin/tickets/ticket/"


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def tickets(open_ticket, organization, agent):
    backup = open_ticket(subject="Nightly backups fail", description="The job stops at 02:00.")
    mail = open_ticket(
        subject="Mail bounces", description="Every message to the list bounces with 550."
    )
    services.add_reply(mail, author=agent, body="Checked the DKIM record on the server.")
    chinese = open_ticket(subject="无法重置密码", description="登录页面一直显示错误。")
    services.add_reply(chinese, author=agent, body="请清除浏览器缓存后再试。")
    note = open_ticket(subject="Slow site", description="Pages take ten seconds.")
    services.add_reply(note, author=agent, body="Customer is on the old cluster.", internal=True)
    other = open_ticket(subject="Invoice question", description="Where is my invoice?")
    return {"backup": backup, "mail": mail, "chinese": chinese, "note": note, "other": other}


def found(term, **options):
    return set(search_tickets(Ticket.objects.all(), term, **options).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("backup", {"backup"}),  # a stemmed subject word (backups)
        ("nightly BACKUPS", {"backup"}),
        ("DKIM record", {"mail"}),  # words of a reply
        ('"bounces with 550"', {"mail"}),  # a quoted phrase of the first message
        ("old cluster", {"note"}),  # an internal note: staff search finds it
        ("密码", {"chinese"}),  # a two-character word of the subject
        ("重置密码", {"chinese"}),
        ("缓存", {"chinese"}),  # of a reply
        ("页面 错误", {"chinese"}),  # two words, both needed
        ("重", {"chinese"}),  # a lone character
        ("密码 invoice", set()),
        ("nothing-like-this", set()),
    ],
)
def test_words_and_phrases_find_the_right_tickets(tickets, term, expected):
    assert found(term) == {tickets[name].pk for name in expected}


def test_internal_notes_are_left_out_when_asked(tickets):
    assert found("old cluster", public_only=True) == set()


def test_references_and_their_beginning(tickets):
    reference = tickets["mail"].reference
    assert found(reference) == {tickets["mail"].pk}
    assert found(reference.lower()) == {tickets["mail"].pk}
    beginning = reference[:5]
    expected = {t.pk for t in tickets.values() if t.reference.startswith(beginning)}
    assert found(beginning) == expected and tickets["mail"].pk in expected


def test_email_addresses_find_the_requesters_tickets(tickets, organization, open_ticket):
    someone = make_user("zhang.wei@example.net")
    organization.memberships.create(user=someone, role="member")
    theirs = open_ticket(requester=someone, subject="Help")
    assert found("zhang.wei@example.net") == {theirs.pk}
    assert found("ZHANG.WEI@example") == {theirs.pk}  # the beginning of an address
    assert theirs.pk not in found("owner@example.com")


def test_the_back_office_search_shows_what_was_found(agent_client, tickets):
    page = agent_client.get(LIST, {"q": "密码"}).content.decode()
    assert tickets["chinese"].reference in page
    assert tickets["backup"].reference not in page
    page = agent_client.get(LIST, {"q": "DKIM"}).content.decode()
    assert tickets["mail"].reference in page and tickets["chinese"].reference not in page


def test_the_back_office_counts_what_a_search_found(agent_client, tickets):
    for term in ["密码", "DKIM", "backup", tickets["mail"].reference[:5]]:
        cl = agent_client.get(LIST, {"q": term}).context["cl"]
        assert cl.result_count == len(found(term)) > 0, term
        assert {ticket.pk for ticket in cl.result_list} == found(term)
    # Narrowed by a view: counted among the matches.
    Ticket.objects.filter(pk=tickets["chinese"].pk).update(status=Ticket.Status.CLOSED)
    cl = agent_client.get(LIST, {"q": "密码", "view": "open"}).context["cl"]
    assert cl.result_count == len(found("密码")) - 1


def test_vectors_follow_subject_and_message_changes(tickets, agent):
    ticket = tickets["other"]
    ticket.subject = "Refund for the domain transfer"
    ticket.save(update_fields=["subject"])
    assert found("refund") == {ticket.pk}
    message = Message.objects.filter(ticket=ticket).first()
    message.body = "证书续期失败"
    message.save()
    assert found("续期") == {ticket.pk}
    assert found("invoice") == set()


def plan(queryset):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


@pytest.mark.parametrize("term", ["backup", "密码", "K7F-3", "someone@example.com"])
def test_search_uses_the_indexes(tickets, organization, owner, term):
    bulk_tickets(300, organization, owner)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket, tickets_message, accounts_user")
    sql, params = matching_sql(term)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on tickets_ticket" not in text and "Seq Scan on tickets_message" not in text
    assert "search_gin" in text or "ticket_reference_prefix" in text or "requester" in text, text
    found = plan(search_tickets(Ticket.objects.all(), term).order_by("-last_activity_at"))
    assert "Seq Scan on tickets_" not in found
    count = plan(search_tickets(Ticket.objects.all(), term).values("pk").order_by()[:1])
    assert "Seq Scan on tickets_" not in count


def test_search_queries_do_not_grow_with_tickets(agent_client, organization, owner, tickets):
    def count(term):
        queues.recent.forget()  # the views' counts worked out afresh each time
        near.forget()  # and where the newest tickets begin
        with CaptureQueriesContext(connection) as captured:
            assert agent_client.get(LIST, {"q": term}).status_code == 200
        return len(captured)

    terms = ["Generated", "密码", tickets["mail"].reference, "owner@example.com"]
    agent_client.get(LIST)
    before = {term: count(term) for term in terms}
    bulk_tickets(500, organization, owner)
    assert {term: count(term) for term in terms} == before
    assert max(before.values()) <= 12, before


def test_a_broad_search_lists_the_newest_matches_and_says_there_are_more(
    agent_client, organization, owner, monkeypatch
):
    from support.tickets import admin as ticket_admin

    monkeypatch.setattr(ticket_admin, "SEARCH_LIST_LIMIT", 5)
    tickets = bulk_tickets(8, organization, owner)
    newest = sorted(ticket.pk for ticket in tickets)[-5:]

    response = agent_client.get(LIST, {"q": "Generated"})
    cl = response.context["cl"]
    assert cl.result_count == 5
    assert sorted(ticket.pk for ticket in cl.result_list) == newest
    page = response.content.decode()
    assert "8 tickets match; the newest 5 are listed." in page

    # Narrowed by a view, every match in it is listed and nothing more is said.
    response = agent_client.get(LIST, {"q": "Generated", "view": "open"})
    assert response.context["cl"].result_count == 8
    assert "are listed" not in response.content.decode()

    # A search that finds no more than it lists says nothing either.
    response = agent_client.get(LIST, {"q": "Bulk ticket 3"})
    assert response.context["cl"].result_count == 1
    assert "are listed" not in response.content.decode()


@pytest.fixture
def small_limits(monkeypatch, agent_client):
    """A search lists its newest 5 matches, looked for first among the newest `near` tickets."""
    from support.tickets import admin as ticket_admin
    from support.tickets import search

    monkeypatch.setattr(ticket_admin, "SEARCH_LIST_LIMIT", 5)

    def near(count):
        """The newest `count` tickets first, from the next search on."""
        monkeypatch.setattr(search, "NEAR", count)
        search.near.forget()
        agent_client.get(LIST, {"q": "Generated"})  # learns where they begin

    yield near
    search.near.forget()


def test_the_newest_matches_are_found_among_the_newest_tickets_first(
    agent_client, organization, owner, open_ticket, small_limits
):
    older = bulk_tickets(4, organization, owner)
    open_ticket(subject="Unrelated", description="Nothing to see")
    newer = bulk_tickets(4, organization, owner)
    newest = sorted(ticket.pk for ticket in newer)[-4:] + [max(t.pk for t in older)]

    small_limits(7)  # 6 matches among the newest 7 tickets: more than the 5 listed
    response = agent_client.get(LIST, {"q": "Generated"})
    cl = response.context["cl"]
    assert cl.result_count == 5
    assert sorted(ticket.pk for ticket in cl.result_list) == sorted(newest)
    assert "More than 5 tickets match; the newest 5 are listed." in response.content.decode()

    small_limits(3)  # 2 among the newest 3: every ticket is searched and counted
    response = agent_client.get(LIST, {"q": "Generated"})
    assert sorted(ticket.pk for ticket in response.context["cl"].result_list) == sorted(newest)
    assert "8 tickets match; the newest 5 are listed." in response.content.decode()

    small_limits(3)  # a word in fewer tickets than listed: all of them, nothing said
    response = agent_client.get(LIST, {"q": "Unrelated"})
    assert response.context["cl"].result_count == 1
    assert "are listed" not in response.content.decode()
