import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.kb.models import Category, Tag

from .conftest import make_article


def add_articles(count, offset=0):
    category, _ = Category.objects.get_or_create(slug="dns-domains", defaults={"name_en": "DNS"})
    other, _ = Category.objects.get_or_create(slug="ssl", defaults={"name_en": "SSL"})
    tag, _ = Tag.objects.get_or_create(slug="dns", defaults={"name": "dns"})
    for index in range(offset, offset + count):
        article = make_article(
            f"article-{index}",
            category if index % 2 else other,
            en=(f"Domain article {index}", "Point the domain."),
            zh=(f"域名文章 {index}", "解析域名。"),
        )
        article.tags.add(tag)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/kb/",
        "/kb/dns-domains/",
        "/kb/search/?q=domain",
        "/kb/search/?q=域名",
        "/kb/suggest/?q=domain",
        "/kb/dns-domains/article-1/",
        "/sitemap.xml",
        "/kb/feed/",
    ],
)
def test_list_pages_use_a_constant_number_of_queries(
    client, db, url, django_assert_max_num_queries
):
    add_articles(3)
    few = queries_for(client, url)
    add_articles(30, offset=3)
    with django_assert_max_num_queries(few):
        client.get(url)
