from django.contrib.auth.models import AnonymousUser
from django.db.models import Max

from portal.sitemaps import SiteURLSitemap

from .models import Article, Category


def public_articles():
    return Article.objects.visible_to(AnonymousUser())


class ArticleSitemap(SiteURLSitemap):
    """Public, published articles only; lastmod is the article's last update."""

    changefreq = "monthly"

    def items(self):
        return public_articles().select_related("category").order_by("slug")

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(SiteURLSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return (
            Category.objects.filter(articles__in=public_articles())
            .annotate(last_update=Max("articles__updated_at"))
            .order_by("order", "slug")
        )

    def lastmod(self, item):
        return item.last_update


sitemaps = {"kb-articles": ArticleSitemap, "kb-categories": CategorySitemap}
