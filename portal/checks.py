from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    """Rate limits (allauth's and ours) live in the cache: several web nodes need a shared one."""
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend or "dummy" in backend:
        return [
            Warning(
                "The cache is local to each process, so rate limits are not shared.",
                hint="Set REDIS_URL in production.",
                id="portal.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def site_url_uses_https(app_configs, **kwargs):
    if not settings.SITE_URL.startswith("https://"):
        return [
            Warning(
                "SITE_URL does not start with https://, so links in emails are not encrypted.",
                hint="Set SITE_URL to the portal's public https address.",
                id="portal.W002",
            )
        ]
    return []
