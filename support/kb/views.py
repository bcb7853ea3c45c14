from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import ratelimit
from portal.markdown import render_markdown_with_toc

from . import feedback
from .cache import audience, kb_cache
from .models import Article, Category, SearchQuery, current_language
from .search import clean_query, search

LIST_LENGTH = 6
SUGGESTION_COUNT = 5


def categories_with_counts(user):
    visible = Article.objects.visible_to(user)
    return Category.objects.annotate(
        article_count=Count("articles", filter=Q(articles__in=visible))
    ).order_by("order", "slug")


def index(request):
    """The topics, popular and recent articles: the same for everyone who sees the same
    articles, so cached per audience, language and time zone (cache.py); for visitors the
    whole response is kept and served before any other middleware (portal.fastpath)."""
    user = request.user

    def build():
        visible = Article.objects.visible_to(user).with_translations()
        context = {
            "categories": [c for c in categories_with_counts(user) if c.article_count],
            "popular": visible.order_by("-view_count", "slug")[:LIST_LENGTH],
            "recent": visible.order_by("-updated_at", "slug")[:LIST_LENGTH],
        }
        return render_to_string("kb/_index_content.html", context)

    name = f"index:{audience(user)}:{get_language()}:{timezone.get_current_timezone_name()}"
    return render(request, "kb/index.html", {"content": kb_cache.cached(name, build)})


def category_detail(request, category_slug):
    category = get_object_or_404(Category, slug=category_slug)
    articles = list(
        Article.objects.visible_to(request.user).with_translations().filter(category=category)
    )
    articles.sort(key=lambda article: article.title.casefold())
    return render(request, "kb/category.html", {"category": category, "articles": articles})


def article_detail(request, category_slug, article_slug):
    article = get_object_or_404(Article.objects.with_translations(), slug=article_slug)
    if not Article.objects.visible_to(request.user).filter(pk=article.pk).exists():
        if (
            article.is_live
            and article.visibility == Article.Visibility.CUSTOMERS
            and not request.user.is_authenticated
        ):
            return redirect_to_login(request.get_full_path())
        raise Http404
    if article.category.slug != category_slug:
        return redirect(article, permanent=True)
    language = current_language()
    version = article.translation_for(language)
    if version is None:
        raise Http404
    body, toc = render_markdown_with_toc(version.body)
    if not request.user.is_staff:
        article.count_view()
    if request.GET.get("from") == feedback.FROM_TICKET_FORM:
        feedback.record_suggestion_open(request, article)
    context = {
        "article": article,
        "version": version,
        "fallback": version.language != language,
        "body": body,
        "toc": toc,
        "tags": article.tags.all(),
        "vote": feedback.current_vote(request, article),
        "related": related_articles(request.user, article),
    }
    return render(request, "kb/article.html", context)


def related_articles(user, article):
    tag_ids = list(article.tags.values_list("pk", flat=True))
    return (
        Article.objects.visible_to(user)
        .with_translations()
        .filter(Q(category=article.category_id) | Q(tags__in=tag_ids))
        .exclude(pk=article.pk)
        .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids), distinct=True))
        .order_by("-shared_tags", "-view_count", "slug")
        .distinct()[:5]
    )


@require_POST
@ratelimit.limit(ratelimit.from_settings("kb-vote", "KB_VOTE_RATE_LIMIT"))
def vote(request, category_slug, article_slug):
    article = get_object_or_404(
        Article.objects.visible_to(request.user).select_related("category"), slug=article_slug
    )
    answer = request.POST.get("helpful")
    url = article.get_absolute_url()
    if answer == "comment":
        comment = request.POST.get("comment", "").strip()[:2000]
        if feedback.add_comment(request, article, comment) is not None and comment:
            messages.success(request, _("Thank you — your comment helps us improve this article."))
        return redirect(f"{url}#feedback")
    if answer not in ("yes", "no"):
        messages.error(request, _("Choose Yes or No."))
        return redirect(f"{url}#feedback")
    helpful = answer == "yes"
    _vote, new_visitor_id = feedback.cast_vote(request, article, helpful)
    if helpful:
        messages.success(request, _("Thank you for your feedback."))
        response = redirect(f"{url}#feedback")
    else:
        messages.info(request, _("Thank you. What was missing or unclear? Tell us below."))
        response = redirect(f"{url}?feedback=no#feedback")
    if new_visitor_id:
        feedback.remember_visitor(response, new_visitor_id)
    return response


def search_view(request):
    query = clean_query(request.GET.get("q"))
    results = search(request.user, query) if query else []
    if query:
        SearchQuery.objects.create(
            query=query.lower(), language=current_language(), result_count=len(results)
        )
    return render(request, "kb/search.html", {"query": query, "results": results})


@require_GET
@ratelimit.limit(ratelimit.from_settings("kb-suggest", "KB_SUGGEST_RATE_LIMIT"), methods=("GET",))
def suggest(request):
    """JSON for the new-ticket form: visible articles that may answer the subject."""
    query = clean_query(request.GET.get("q"))
    results = search(request.user, query, limit=SUGGESTION_COUNT) if len(query) >= 2 else []
    return JsonResponse(
        {
            "query": query,
            "results": [
                {
                    "title": result.translation.title,
                    "url": f"{result.article.get_absolute_url()}?from={feedback.FROM_TICKET_FORM}",
                    "summary": result.translation.summary,
                }
                for result in results
            ],
        }
    )
