import pytest
from django.test import Client

from conftest import make_user
from support.kb.models import Article, Vote

from .conftest import make_article

URL = "/kb/dns-domains/pointing-a-domain/vote/"


def counts(article):
    article = Article.objects.get(pk=article.pk)
    return article.helpful_count, article.not_helpful_count


def test_one_vote_per_signed_in_person_and_it_can_change(client, article):
    client.force_login(make_user("reader@example.com"))
    client.post(URL, {"helpful": "yes"})
    client.post(URL, {"helpful": "yes"})
    assert counts(article) == (1, 0)
    response = client.post(URL, {"helpful": "no"})
    assert response["Location"] == "/kb/dns-domains/pointing-a-domain/?feedback=no#feedback"
    assert counts(article) == (0, 1)
    assert Vote.objects.count() == 1


def test_anonymous_visitors_are_recognised_by_a_signed_cookie(client, article):
    response = client.post(URL, {"helpful": "yes"})
    assert response.cookies["kb_visitor"]["httponly"]
    client.post(URL, {"helpful": "no"})
    assert counts(article) == (0, 1)
    Client().post(URL, {"helpful": "yes"})  # someone else
    assert counts(article) == (1, 1)
    assert Vote.objects.count() == 2


def test_a_forged_visitor_cookie_counts_as_a_new_visitor(client, article):
    client.post(URL, {"helpful": "yes"})
    client.cookies["kb_visitor"] = "forged-id"
    client.post(URL, {"helpful": "yes"})
    assert Vote.objects.count() == 2
    assert not Vote.objects.filter(visitor_id="forged-id").exists()


def test_no_asks_for_an_optional_comment(client, article):
    client.post(URL, {"helpful": "no"})
    page = client.get("/kb/dns-domains/pointing-a-domain/?feedback=no").content.decode()
    assert "What was missing or unclear? (optional)" in page
    client.post(URL, {"helpful": "comment", "comment": "Needs a VPS section."})
    assert Vote.objects.get().comment == "Needs a VPS section."
    page = client.get("/kb/dns-domains/pointing-a-domain/").content.decode()
    assert "You said this article was not helpful." in page
    assert counts(article) == (0, 1)


def test_votes_need_a_csrf_token(article):
    client = Client(enforce_csrf_checks=True)
    assert client.post(URL, {"helpful": "yes"}).status_code == 403
    assert Vote.objects.count() == 0


def test_invalid_answers_record_nothing(client, article):
    client.post(URL, {"helpful": "maybe"})
    assert Vote.objects.count() == 0


def test_many_no_votes_raise_the_needs_review_flag(article):
    for index in range(5):
        Client().post(URL, {"helpful": "no"})
        assert Article.objects.get(pk=article.pk).needs_review is (index == 4)


def test_old_articles_are_flagged_for_review(category):
    from datetime import timedelta

    from django.utils import timezone

    from support.kb.tasks import flag_stale_articles

    old = make_article("old", category, en=("Old", "Body."))
    Article.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=400))
    make_article("fresh", category, en=("Fresh", "Body."))
    assert flag_stale_articles() == 1
    assert list(Article.objects.filter(needs_review=True).values_list("slug", flat=True)) == ["old"]


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_the_page_shows_the_current_answer(client, article, answer):
    client.post(URL, {"helpful": answer})
    page = client.get("/kb/dns-domains/pointing-a-domain/").content.decode()
    expected = "was helpful" if answer == "yes" else "was not helpful"
    assert f"You said this article {expected}." in page
