from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap


class SiteURLSitemap(Sitemap):
    """Absolute links from SITE_URL, never from the request's Host header."""

    def get_urls(self, page=1, site=None, protocol=None):
        site_url = urlsplit(settings.SITE_URL)
        site = SimpleNamespace(domain=site_url.netloc, name=site_url.netloc)
        return super().get_urls(page=page, site=site, protocol=site_url.scheme)
