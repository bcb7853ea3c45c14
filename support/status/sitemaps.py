from django.urls import reverse

from portal.sitemaps import SiteURLSitemap

from .models import Incident


class StatusPagesSitemap(SiteURLSitemap):
    changefreq = "always"
    priority = 0.6

    def items(self):
        return ["status:index", "status:history", "status:subscribe"]

    def location(self, item):
        return reverse(item)


class IncidentSitemap(SiteURLSitemap):
    changefreq = "daily"
    priority = 0.4
    limit = 1000

    def items(self):
        return Incident.objects.public().order_by("-started_at")

    def lastmod(self, incident):
        return incident.updated_at


sitemaps = {"status": StatusPagesSitemap, "status-incidents": IncidentSitemap}
