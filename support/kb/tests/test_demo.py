from pathlib import Path

from django.contrib.auth.models import AnonymousUser

from support.kb import demo
from support.kb.models import Article, ArticleTranslation, Category, Revision, Tag, Vote

CONTENT = Path(__file__).parent / "content"


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Category, Article, ArticleTranslation, Tag, Vote, Revision)
    ]


def test_loader_reads_the_content_format_and_is_idempotent(db):
    demo.seed(content_dir=CONTENT)
    first = snapshot()
    demo.seed(content_dir=CONTENT)
    assert snapshot() == first

    mx = Article.objects.get(slug="mx-records")
    assert mx.category.ticket_category_slug == "domain-dns"
    assert mx.translation_for("zh-hans").title == "设置 MX 记录"
    assert mx.translation_for("en").body.startswith("## What an MX record does")
    assert sorted(mx.tags.values_list("slug", flat=True)) == ["dns", "email", "mx"]
    assert mx.view_count > 0 and mx.helpful_count > 0

    draft = Article.objects.get(slug="refund-policy")
    assert (draft.status, draft.visibility) == ("draft", "customers")
    assert list(Article.objects.visible_to(AnonymousUser())) == [mx]
    assert Category.objects.get(slug="billing").name_zh_hans == "账单"


def test_the_shipped_demo_content_loads(db):
    demo.seed()
    assert Article.objects.count() >= 25
    assert Category.objects.count() >= 5
    both = Article.objects.filter(translations__language="zh-hans").filter(
        translations__language="en"
    )
    assert both.count() >= 20
