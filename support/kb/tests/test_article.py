from support.kb.feedback import record_ticket_submitted_after_suggestion
from support.kb.models import Article

from .conftest import make_article

PAYLOADS = """# Title

<script>alert('script')</script>

<img src="x" onerror="alert('onerror')">

[click me](javascript:alert('link'))

<a href="javascript:alert('raw')">raw link</a>

<iframe src="https://evil.example"></iframe>
"""


def test_article_page_renders_markdown_with_anchors_toc_and_ticket_link(client, article):
    response = client.get("/kb/dns-domains/pointing-a-domain/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Pointing a domain" in content
    assert '<h2 id="steps">Steps</h2>' in content
    assert 'href="#steps"' in content  # table of contents
    assert "Last updated" in content
    assert 'href="/tickets/new/?article=pointing-a-domain"' in content
    assert "Was this article helpful?" in content


def test_code_blocks_tables_images_and_notes(client, category):
    body = (
        "```\ndig +short example.com\n```\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
        "![Diagram](https://cdn.example.com/d.png)\n\n!!! warning\n    Careful.\n"
    )
    make_article("rich", category, en=("Rich", body))
    content = client.get("/kb/dns-domains/rich/").content.decode()
    assert '<pre tabindex="0"><code>dig +short example.com' in content
    assert '<table tabindex="0">' in content
    assert "<img" not in content.split('class="prose kb-body"')[1]  # never loads; a link
    assert '<a href="https://cdn.example.com/d.png" rel="noopener noreferrer nofollow">' in content
    assert '<div class="admonition warning">' in content


def test_script_payloads_in_article_bodies_are_sanitised(client, category):
    make_article("payloads", category, en=("Payloads", PAYLOADS))
    content = client.get("/kb/dns-domains/payloads/").content.decode()
    body = content.split('class="prose kb-body"')[1].split("</div>")[0]
    assert "<script" not in body
    assert "onerror" not in body
    assert "javascript:" not in body
    assert "<iframe" not in body
    assert "click me" in body


def test_visitors_see_their_language_version(client, article):
    client.cookies["django_language"] = "zh-hans"
    content = client.get("/kb/dns-domains/pointing-a-domain/").content.decode()
    assert "将域名解析到主机" in content
    assert "not available" not in content


def test_language_fallback_shows_the_other_version_with_a_note(client, category):
    make_article("english-only", category, en=("Only in English", "Body."))
    client.cookies["django_language"] = "zh-hans"
    content = client.get("/kb/dns-domains/english-only/").content.decode()
    assert "Only in English" in content
    assert 'class="kb-language-note"' in content
    assert '<article class="kb-article" lang="en">' in content


def test_switching_language_keeps_the_reader_on_the_same_article(client, article):
    url = "/kb/dns-domains/pointing-a-domain/"
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": url})
    assert response["Location"] == url
    assert "将域名解析到主机" in client.get(url).content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert "<h1>Pointing a domain" in client.get(url).content.decode()


def test_wrong_category_redirects_to_the_article(client, article, category):
    response = client.get("/kb/other/pointing-a-domain/")
    assert response.status_code == 301
    assert response["Location"] == "/kb/dns-domains/pointing-a-domain/"


def test_unknown_article_and_category_are_404(client, category):
    assert client.get("/kb/dns-domains/nope/").status_code == 404
    assert client.get("/kb/nope/").status_code == 404


def test_views_are_counted(client, article):
    client.get(article.get_absolute_url())
    client.get(article.get_absolute_url())
    assert Article.objects.get(pk=article.pk).view_count == 2


def test_related_articles_share_category_or_tags(client, article, category):
    make_article("sibling", category, en=("Sibling article", "Body."))
    content = client.get(article.get_absolute_url()).content.decode()
    assert "Sibling article" in content.split("Related articles")[1]


def test_suggestions_json_lists_visible_articles(client, article, hidden_articles):
    response = client.get("/kb/suggest/", {"q": "domain"})
    assert response.json() == {
        "query": "domain",
        "results": [
            {
                "title": "Pointing a domain",
                "url": "/kb/dns-domains/pointing-a-domain/?from=ticket-form",
                "summary": "How to.",
            }
        ],
    }
    assert client.get("/kb/suggest/", {"q": "zebra"}).json()["results"] == []
    assert client.get("/kb/suggest/", {"q": "d"}).json()["results"] == []


def test_suggestions_in_chinese(client, article):
    client.cookies["django_language"] = "zh-hans"
    results = client.get("/kb/suggest/", {"q": "解析"}).json()["results"]
    assert [r["title"] for r in results] == ["将域名解析到主机"]


def test_opens_from_the_ticket_form_and_deflections_are_counted(client, rf, article):
    client.get(article.get_absolute_url() + "?from=ticket-form")
    client.get(article.get_absolute_url())
    article.refresh_from_db()
    assert (article.suggestion_opens, article.deflections) == (1, 1)

    request = rf.post("/tickets/new/")
    request.session = client.session
    assert record_ticket_submitted_after_suggestion(request) == 1
    article.refresh_from_db()
    assert (article.tickets_after_suggestion, article.deflections) == (1, 0)
    assert record_ticket_submitted_after_suggestion(request) == 0
