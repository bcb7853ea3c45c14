"""Readers' votes, and what happens after the ticket form suggested an article.

A visitor is the signed-in person, or else an anonymous id kept in a signed cookie.
"""

import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F

from .models import Article, Vote

VISITOR_COOKIE = "kb_visitor"
VISITOR_SALT = "kb.visitor"
SUGGESTED_SESSION_KEY = "kb_opened_from_ticket_form"
FROM_TICKET_FORM = "ticket-form"


def anonymous_visitor_id(request):
    return request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=VISITOR_SALT)


def remember_visitor(response, visitor_id):
    response.set_signed_cookie(
        VISITOR_COOKIE,
        visitor_id,
        salt=VISITOR_SALT,
        max_age=2 * 365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def vote_lookup(request, visitor_id=None):
    if request.user.is_authenticated:
        return {"user": request.user}
    visitor_id = visitor_id or anonymous_visitor_id(request)
    return {"user": None, "visitor_id": visitor_id} if visitor_id else None


def current_vote(request, article):
    lookup = vote_lookup(request)
    return Vote.objects.filter(article=article, **lookup).first() if lookup else None


def cast_vote(request, article, helpful, comment=""):
    """Record or change this visitor's vote. Returns (vote, new anonymous id or None)."""
    new_visitor_id = None
    lookup = vote_lookup(request)
    if lookup is None:
        new_visitor_id = uuid.uuid4().hex
        lookup = vote_lookup(request, new_visitor_id)
    with transaction.atomic():
        vote, created = Vote.objects.select_for_update().get_or_create(
            article=article, **lookup, defaults={"helpful": helpful, "comment": comment}
        )
        if not created:
            if vote.helpful != helpful:
                vote.comment = ""
            vote.helpful = helpful
            vote.comment = comment or vote.comment
            vote.save()
        article.refresh_vote_counts()
    return vote, new_visitor_id


def add_comment(request, article, comment):
    vote = current_vote(request, article)
    if vote is not None:
        vote.comment = comment
        vote.save(update_fields=["comment", "updated_at"])
    return vote


def record_suggestion_open(request, article):
    """The reader opened this article from the ticket form's suggestions."""
    Article.objects.filter(pk=article.pk).update(suggestion_opens=F("suggestion_opens") + 1)
    opened = request.session.get(SUGGESTED_SESSION_KEY, [])
    if article.pk not in opened:
        request.session[SUGGESTED_SESSION_KEY] = [*opened, article.pk][-20:]


def record_ticket_submitted_after_suggestion(request):
    """Call when a ticket is submitted: the articles opened before it didn't deflect it.

    Deflections shown in the admin are opens minus tickets submitted afterwards.
    """
    opened = request.session.pop(SUGGESTED_SESSION_KEY, [])
    if opened:
        Article.objects.filter(pk__in=opened).update(
            tickets_after_suggestion=F("tickets_after_suggestion") + 1
        )
    return len(opened)


def ticket_category_slug_for_article(user, article_slug):
    """The ticket category to pre-select for /tickets/new/?article=<slug> ('' if none)."""
    slug = (
        Article.objects.visible_to(user)
        .filter(slug=article_slug)
        .values_list("category__ticket_category_slug", flat=True)
        .first()
    )
    return slug or ""
