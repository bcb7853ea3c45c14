import pytest

from conftest import make_user
from support.kb.feedback import ticket_category_slug_for_article


def everywhere(client):
    """Every page or feed that lists articles, joined into one text."""
    pages = [
        "/kb/",
        "/kb/dns-domains/",
        "/kb/search/?q=zebra",
        "/kb/suggest/?q=zebra",
        "/kb/feed/",
        "/sitemap.xml",
        "/kb/dns-domains/pointing-a-domain/",  # related articles
    ]
    texts = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    return "\n".join(texts)


@pytest.fixture
def customer_client(client, organization, owner):
    client.force_login(owner)
    return client


def test_visitors_never_see_drafts_internal_scheduled_or_customer_articles(
    client, article, hidden_articles, customer_article
):
    text = everywhere(client)
    assert "pointing-a-domain" in text
    for hidden in [*hidden_articles.values(), customer_article]:
        assert hidden.slug not in text
        assert hidden.translation_for("en").title not in text


def test_customers_see_customer_articles_but_not_drafts_or_internal(
    customer_client, article, hidden_articles, customer_article
):
    text = everywhere(customer_client)
    assert "Customer zebra guide" in text
    assert "customer-only-zebra" not in customer_client.get("/sitemap.xml").content.decode()
    for hidden in hidden_articles.values():
        assert hidden.slug not in text


@pytest.mark.parametrize("kind", ["draft", "internal", "scheduled"])
def test_hidden_article_urls_are_404(client, customer_client, hidden_articles, kind):
    url = hidden_articles[kind].get_absolute_url()
    assert customer_client.get(url).status_code == 404
    customer_client.logout()
    assert client.get(url).status_code == 404


def test_votes_on_hidden_articles_are_404(customer_client, hidden_articles):
    url = hidden_articles["internal"].get_absolute_url() + "vote/"
    assert customer_client.post(url, {"helpful": "yes"}).status_code == 404


def test_customer_articles_ask_visitors_to_sign_in(client, customer_article):
    response = client.get(customer_article.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/kb/dns-domains/customer-only")


def test_customers_can_read_customer_articles(customer_client, customer_article):
    response = customer_client.get(customer_article.get_absolute_url())
    assert response.status_code == 200
    assert "Customer zebra guide" in response.content.decode()


def test_staff_can_read_internal_articles_and_drafts(client, hidden_articles):
    client.force_login(make_user("staff@support.example", is_staff=True))
    for hidden in hidden_articles.values():
        response = client.get(hidden.get_absolute_url())
        assert response.status_code == 200
    assert "Internal runbook zebra" in client.get("/kb/search/?q=zebra").content.decode()


def test_sitemap_lists_public_articles_with_lastmod(client, article, hidden_articles):
    response = client.get("/sitemap.xml")
    content = response.content.decode()
    assert response["Content-Type"].startswith("application/xml")
    assert "<loc>https://support.example.com/kb/dns-domains/pointing-a-domain/</loc>" in content
    assert "<loc>https://support.example.com/kb/dns-domains/</loc>" in content
    assert f"<lastmod>{article.updated_at:%Y-%m-%d}" in content
    assert "secret-draft" not in content and "internal-runbook" not in content


def test_ticket_category_comes_only_from_visible_articles(article, hidden_articles, owner):
    assert ticket_category_slug_for_article(owner, "pointing-a-domain") == "domain-dns"
    assert ticket_category_slug_for_article(owner, "internal-runbook") == ""
    assert ticket_category_slug_for_article(owner, "no-such-article") == ""
