from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from .models import Article, Category


def public_articles():
    return Article.objects.visible_to(AnonymousUser())


class SiteURLSitemap(Sitemap):
    """Absolute links from SITE_URL, never from the request's Host header."""

    def get_urls(self, page=1, site=None, protocol=None):
        site_url = urlsplit(settings.SITE_URL)
        site = SimpleNamespace(domain=site_url.netloc, name=site_url.netloc)
        return super().get_urls(page=page, site=site, protocol=site_url.scheme)


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
