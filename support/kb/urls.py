from django.urls import path

from . import views
from .feeds import RecentArticlesFeed

app_name = "kb"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search_view, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("feed/", RecentArticlesFeed(), name="feed"),
    path("<slug:category_slug>/", views.category_detail, name="category"),
    path("<slug:category_slug>/<slug:article_slug>/", views.article_detail, name="article"),
    path("<slug:category_slug>/<slug:article_slug>/vote/", views.vote, name="vote"),
]
