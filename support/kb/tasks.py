from django.utils import timezone

from .models import REVIEW_AFTER, Article


def flag_stale_articles():
    """Daily: raise "needs review" on articles nobody has updated for a year."""
    return Article.objects.filter(
        needs_review=False, updated_at__lt=timezone.now() - REVIEW_AFTER
    ).update(needs_review=True, review_reason="Not updated for a year.")
