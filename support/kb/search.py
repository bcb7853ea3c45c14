"""Searching articles in both languages.

PostgreSQL: full-text search on a weighted vector (title A, body B; `english`
config for English, `simple` for Chinese) plus substring matching backed by
pg_trgm GIN indexes, because PostgreSQL's parsers don't segment Chinese: a
search for 密码 must find an article containing 重置密码. SQLite: substring
matching only. Either way a title match ranks above a body match.
"""

import html
import re
from dataclasses import dataclass
from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, Q, Value, When
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from portal.markdown import render_markdown

from .models import Article, ArticleTranslation, current_language

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_RESULTS = 30
SNIPPET_LENGTH = 200
CONFIGS = {"en": "english", "zh-hans": "simple"}
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(raw):
    """Whatever arrives (quotes, &|!, NUL, 2,000 characters) becomes a short, plain string."""
    text = CONTROL_CHARS.sub(" ", str(raw or ""))[:MAX_QUERY_LENGTH]
    return " ".join(text.split())


def terms_of(query):
    return [term.strip("\"'") for term in query.split()[:MAX_TERMS] if term.strip("\"'")]


def using_postgres():
    return connection.vendor == "postgresql"


def update_search_vectors(translations):
    """Refresh the weighted vectors of these translations (PostgreSQL only)."""
    if not using_postgres():
        return
    for language, config in CONFIGS.items():
        translations.filter(language=language).update(
            search_vector=SearchVector("title", weight="A", config=config)
            + SearchVector("summary", weight="B", config=config)
            + SearchVector("body", weight="B", config=config)
        )


@dataclass
class Result:
    article: Article
    translation: ArticleTranslation
    snippet: str
    rank: float


def matching_translations(user, query):
    """Translations of visible articles that match, best first."""
    terms = terms_of(query)
    if not terms:
        return ArticleTranslation.objects.none()
    substring = reduce(
        and_,
        (Q(title__icontains=t) | Q(summary__icontains=t) | Q(body__icontains=t) for t in terms),
    )
    title_match = reduce(and_, (Q(title__icontains=t) for t in terms))
    title_boost = Case(When(title_match, then=Value(1.0)), default=Value(0.0))
    translations = ArticleTranslation.objects.filter(
        article__in=Article.objects.visible_to(user)
    ).select_related("article__category")
    if using_postgres():
        english = SearchQuery(query, config="english", search_type="websearch")
        simple = SearchQuery(query, config="simple", search_type="websearch")
        full_text = Q(language="en", search_vector=english) | Q(
            language="zh-hans", search_vector=simple
        )
        text_rank = Case(
            When(language="en", then=SearchRank(F("search_vector"), english)),
            default=SearchRank(F("search_vector"), simple),
            output_field=FloatField(),
        )
        translations = translations.filter(full_text | substring).annotate(
            rank=title_boost + text_rank
        )
    else:
        body_boost = Case(When(summary__icontains=terms[0], then=Value(0.2)), default=Value(0.1))
        translations = translations.filter(substring).annotate(rank=title_boost + body_boost)
    return translations.order_by("-rank", "-article__view_count", "pk")


def search(user, query, language=None, limit=MAX_RESULTS):
    """Ranked results, one per article, in the reader's language where it matches."""
    language = language or current_language()
    best = {}
    for version in matching_translations(user, query)[: limit * 2]:
        current = best.get(version.article_id)
        if current is None or (version.language == language and current.language != language):
            best[version.article_id] = version
    chosen = sorted(best.values(), key=lambda v: -v.rank)[:limit]
    return [Result(v.article, v, highlight_passage(v, query), v.rank) for v in chosen]


def plain_text(markdown_text):
    return html.unescape(strip_tags(render_markdown(markdown_text)))


def highlight_passage(version, query):
    """The passage around the first match, escaped first, then marked."""
    terms = terms_of(query)
    text = " ".join(plain_text(version.body).split())
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
    found = pattern.search(text) if pattern else None
    if found is None:
        text = version.summary or text
        found = pattern.search(text) if pattern else None
    start = max(found.start() - SNIPPET_LENGTH // 3, 0) if found else 0
    space = text.find(" ", start, found.start() if found else start + 20)
    if start and space != -1:
        start = space + 1
    passage = text[start : start + SNIPPET_LENGTH]
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_LENGTH < len(text) else ""
    return mark_passage(passage, terms, prefix, suffix)


def mark_passage(passage, terms, prefix="", suffix=""):
    """Split on the terms, escape every piece, then wrap the matching pieces in <mark>."""
    if not terms:
        return mark_safe(prefix + escape(passage) + suffix)
    splitter = re.compile("(" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)
    pieces = splitter.split(passage)
    marked = "".join(
        f"<mark>{escape(piece)}</mark>" if index % 2 else escape(piece)
        for index, piece in enumerate(pieces)
    )
    return mark_safe(prefix + marked + suffix)
