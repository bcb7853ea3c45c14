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


@register(Tags.security, deploy=True)
def shared_storage_with_several_nodes(app_configs, **kwargs):
    """Uploaded files on one node's disk answer 404 from every other node."""
    backend = settings.STORAGES["default"]["BACKEND"]
    if settings.WEB_NODES > 1 and backend.endswith("FileSystemStorage"):
        return [
            Warning(
                f"WEB_NODES is {settings.WEB_NODES} but uploaded files are kept on each node's "
                "own disk.",
                hint="Set S3_BUCKET (and S3_ENDPOINT_URL, S3_ACCESS_KEY_ID, "
                "S3_SECRET_ACCESS_KEY) to keep files in shared object storage.",
                id="portal.W003",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def metrics_token_strength(app_configs, **kwargs):
    if settings.METRICS_TOKEN and len(settings.METRICS_TOKEN) < 32:
        return [
            Warning(
                "METRICS_TOKEN is shorter than 32 characters.",
                hint="Generate one: python -c 'import secrets; print(secrets.token_urlsafe())'",
                id="portal.W004",
            )
        ]
    return []
