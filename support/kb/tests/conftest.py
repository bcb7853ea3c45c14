from datetime import timedelta

import pytest
from django.utils import timezone

from support.kb.models import Article, ArticleTranslation, Category


def make_article(slug, category, en=None, zh=None, **fields):
    """An article with an English and/or Chinese version: each (title, body[, summary])."""
    fields.setdefault("status", Article.Status.PUBLISHED)
    fields.setdefault("published_at", timezone.now() - timedelta(days=1))
    article = Article.objects.create(slug=slug, category=category, **fields)
    for language, version in (("en", en), ("zh-hans", zh)):
        if version:
            title, body, *summary = version
            ArticleTranslation.objects.create(
                article=article,
                language=language,
                title=title,
                body=body,
                summary=summary[0] if summary else "",
            )
    return article


@pytest.fixture
def category(db):
    return Category.objects.create(
        slug="dns-domains",
        order=10,
        name_en="DNS and domains",
        name_zh_hans="域名与 DNS",
        description_en="Point your domain.",
        ticket_category_slug="domain-dns",
    )


@pytest.fixture
def article(category):
    return make_article(
        "pointing-a-domain",
        category,
        en=("Pointing a domain", "## Steps\n\nSet an A record.\n\n## Check\n\nUse dig.", "How to."),
        zh=("将域名解析到主机", "## 步骤\n\n设置 A 记录。", "说明"),
    )


@pytest.fixture
def hidden_articles(category):
    """One article each that visitors or customers must never see."""
    return {
        "draft": make_article(
            "secret-draft",
            category,
            en=("Unfinished draft zebra", "zebra draft body"),
            status=Article.Status.DRAFT,
        ),
        "internal": make_article(
            "internal-runbook",
            category,
            en=("Internal runbook zebra", "zebra staff only"),
            visibility=Article.Visibility.INTERNAL,
        ),
        "scheduled": make_article(
            "future-article",
            category,
            en=("Scheduled zebra", "zebra not yet"),
            published_at=timezone.now() + timedelta(days=3),
        ),
    }


@pytest.fixture
def customer_article(category):
    return make_article(
        "customer-only-zebra",
        category,
        en=("Customer zebra guide", "zebra for customers"),
        visibility=Article.Visibility.CUSTOMERS,
    )
