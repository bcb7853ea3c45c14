from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Incident


class StatusPagesSitemap(Sitemap):
    changefreq = "always"
    priority = 0.6

    def items(self):
        return ["status:index", "status:history", "status:subscribe"]

    def location(self, item):
        return reverse(item)


class IncidentSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.4
    limit = 1000

    def items(self):
        return Incident.objects.published().order_by("-started_at")

    def lastmod(self, incident):
        return incident.updated_at


sitemaps = {"status": StatusPagesSitemap, "status-incidents": IncidentSitemap}
