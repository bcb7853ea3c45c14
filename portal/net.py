from django.conf import settings


def client_ip(request):
    """The client's address, trusting X-Forwarded-For only as far as our own proxies."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


def absolute_url(path):
    """A link for emails, built from SITE_URL and never from the request's Host header."""
    return settings.SITE_URL + path
