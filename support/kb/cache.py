"""The knowledge base's index page is cached; any change to articles or categories
invalidates it (portal/fastcache.py). View counts reorder "Popular" within the
cache's lifetime (five minutes)."""

from portal.fastcache import VersionedCache

kb_cache = VersionedCache("kb", ttl=300)


def audience(user):
    """Who sees the same articles (Article.objects.visible_to): visitors, customers, staff."""
    if user is None or not user.is_authenticated:
        return "visitor"
    return "staff" if user.is_staff else "customer"


def connect_signals():
    from . import models

    kb_cache.invalidate_on_change(
        models.Category,
        models.Article,
        models.ArticleTranslation,
        models.Tag,
        m2m=[models.Article.tags.through],
    )
