from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .models import Article


class RecentArticlesFeed(Feed):
    """Recently updated public articles, as anyone without an account sees them."""

    title = _("Knowledge base: recently updated articles")
    link = reverse_lazy("kb:index")
    description = _("New and updated help articles.")

    def items(self):
        return (
            Article.objects.visible_to(AnonymousUser())
            .with_translations()
            .order_by("-updated_at")[:20]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_updateddate(self, item):
        return item.updated_at

    def item_pubdate(self, item):
        return item.published_at
