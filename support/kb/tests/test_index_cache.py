"""The knowledge base's index page comes from the cache, per audience and language, and
shows a change at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from support.kb.models import Article

from .conftest import make_article

pytestmark = pytest.mark.django_db


def get(client, url="/kb/"):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_the_index_is_cached_and_follows_changes(client, article, hidden_articles):
    first, cold = get(client)
    again, warm = get(Client())
    assert "Pointing a domain" in first and "Pointing a domain" in again
    assert warm < cold and warm <= 1, (cold, warm)  # a visitor: no query left
    article.translations.filter(language="en").update(title="unused")  # no signal: no change
    assert "Pointing a domain" in get(client)[0]
    english = article.translations.get(language="en")
    english.title = "Pointing a domain, revised"
    english.save()
    assert "Pointing a domain, revised" in get(client)[0]
    hidden_articles["draft"].status = Article.Status.PUBLISHED
    hidden_articles["draft"].save()
    assert "Unfinished draft zebra" in get(client)[0]


def test_each_audience_and_language_gets_its_own_page(
    owner_client, admin_client, article, hidden_articles, customer_article
):
    visitor = get(Client())[0]
    customer = get(owner_client)[0]
    staff = get(admin_client)[0]
    assert "Customer zebra guide" not in visitor and "Internal runbook zebra" not in visitor
    assert "Customer zebra guide" in customer and "Internal runbook zebra" not in customer
    assert "Internal runbook zebra" in staff
    chinese = Client(headers={"accept-language": "zh-hans"})
    assert "将域名解析到主机" in get(chinese)[0]
    assert "将域名解析到主机" not in get(Client())[0]


def test_a_new_article_shows_at_once(client, category, article):
    get(client)
    make_article("new-one", category, en=("A brand new guide", "Body."))
    assert "A brand new guide" in get(client)[0]


@pytest.mark.django_db(transaction=True)
def test_visitors_get_the_whole_page_from_the_cache_with_no_query(
    database_cache, monkeypatch, article, owner
):
    monkeypatch.setattr("portal.fastcache.CHECK_EVERY", 60.0)  # a loaded machine is slow
    first, _ = get(Client())
    visitor = Client()
    with CaptureQueriesContext(connection) as captured:
        again = visitor.get("/kb/")
    assert len(captured) == 0
    assert again.content.decode() == first
    assert "Pointing a domain" in first and "csrfmiddlewaretoken" not in first
    assert "Set-Cookie" not in again.headers
    assert "script-src 'self'" in again["Content-Security-Policy"]
    chinese, queries = get(Client(headers={"accept-language": "zh-hans"}))
    assert "将域名解析到主机" in chinese and queries > 0  # its own entry
    person = Client()
    person.force_login(owner)
    page, queries = get(person)
    assert queries > 0 and "Sign up" not in page  # never the visitors' page
    english = article.translations.get(language="en")
    english.title = "Pointing a domain, revised"
    english.save()
    assert "Pointing a domain, revised" in get(Client())[0]
