import pytest

from conftest import make_user
from support.kb.models import ArticleTranslation, Revision, SearchQuery, record_revision


@pytest.fixture
def admin_client(client, db):
    client.force_login(make_user("boss@support.example", is_staff=True, is_superuser=True))
    return client


def test_article_admin_lists_ratios_and_filters_by_needs_review(admin_client, article):
    article.helpful_count, article.not_helpful_count = 3, 1
    article.save()
    response = admin_client.get("/admin/kb/article/?review=no")
    content = response.content.decode()
    assert response.status_code == 200
    assert "75% (4)" in content
    assert "Pointing a domain" in admin_client.get("/admin/kb/article/").content.decode()
    assert (
        "Pointing a domain"
        not in admin_client.get("/admin/kb/article/?review=yes")
        .content.decode()
        .split('id="result_list"')[-1]
    )


def test_article_change_page_previews_markdown(admin_client, article):
    content = admin_client.get(f"/admin/kb/article/{article.pk}/change/").content.decode()
    assert '<h2 id="steps">Steps</h2>' in content


def test_saving_a_language_version_records_a_revision_and_revert_restores_it(admin_client, article):
    english = article.translations.get(language="en")
    record_revision(english, None, note="Imported")
    data = {
        "slug": article.slug,
        "category": article.category_id,
        "status": "published",
        "published_at_0": "2026-01-01",
        "published_at_1": "10:00:00",
        "visibility": "public",
        "needs_review": "",
        "review_reason": "",
        "translations-TOTAL_FORMS": "2",
        "translations-INITIAL_FORMS": "2",
        "translations-MIN_NUM_FORMS": "0",
        "translations-MAX_NUM_FORMS": "2",
        "revisions-TOTAL_FORMS": "1",
        "revisions-INITIAL_FORMS": "1",
        "revisions-MIN_NUM_FORMS": "0",
        "revisions-MAX_NUM_FORMS": "0",
        "revisions-0-id": str(Revision.objects.get().pk),
        "revisions-0-article": str(article.pk),
    }
    for index, version in enumerate(article.translations.order_by("language")):
        body = "## Steps\n\nNew text." if version.language == "en" else version.body
        data.update(
            {
                f"translations-{index}-id": str(version.pk),
                f"translations-{index}-article": str(article.pk),
                f"translations-{index}-language": version.language,
                f"translations-{index}-title": version.title,
                f"translations-{index}-summary": version.summary,
                f"translations-{index}-body": body,
            }
        )
    response = admin_client.post(f"/admin/kb/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    latest = Revision.objects.order_by("-pk").first()
    assert latest.body == "## Steps\n\nNew text."
    assert latest.edited_by.email == "boss@support.example"
    assert Revision.objects.count() == 2

    diff = admin_client.get(f"/admin/kb/revision/{latest.pk}/change/").content.decode()
    assert "+New text." in diff

    imported = Revision.objects.order_by("pk").first()
    admin_client.post(
        "/admin/kb/revision/", {"action": "revert", "_selected_action": [imported.pk]}
    )
    assert ArticleTranslation.objects.get(pk=english.pk).body == imported.body
    assert Revision.objects.order_by("-pk").first().note == f"Reverted to revision #{imported.pk}"


def test_search_analytics_show_top_queries_and_content_gaps(admin_client):
    for query, results in [("ssl", 3), ("ssl", 3), ("kubernetes", 0)]:
        SearchQuery.objects.create(query=query, language="en", result_count=results)
    content = admin_client.get("/admin/kb/searchquery/").content.decode()
    top, gaps = content.split("Top queries")[1].split("content gaps")
    assert top.index("ssl") < top.index("kubernetes")
    assert "kubernetes" in gaps and "<td>ssl</td>" not in gaps


@pytest.mark.parametrize(
    "url", ["/admin/kb/category/", "/admin/kb/tag/", "/admin/kb/vote/", "/admin/kb/revision/"]
)
def test_admin_lists_load(admin_client, article, url):
    assert admin_client.get(url).status_code == 200
