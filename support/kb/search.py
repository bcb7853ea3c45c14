"""Searching articles in both languages.

PostgreSQL: words are found by full-text search on a weighted vector (title A,
summary and body B; `english` config for English, `simple` for Chinese) with a
GIN index. PostgreSQL's parsers don't segment Chinese, so Chinese (and Japanese)
text is also indexed as overlapping character pairs, as Elasticsearch's CJK
analyzer does: 重置密码 is indexed as 重置 置密 密码, and a query of any length
becomes the phrase of its pairs, so 密码 (two characters, the usual length of a
Chinese word) finds 重置密码 through the same GIN index and ranks like English.
A lone Chinese character is matched as a substring (LIKE). SQLite: substring
matching only. Either way a title match ranks above a body match.
"""

import html
import re
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .models import Article, ArticleTranslation, current_language

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_RESULTS = 30
SNIPPET_LENGTH = 200
CONFIGS = {"en": "english", "zh-hans": "simple"}
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
MARKDOWN_SYNTAX = re.compile(r"^\s*(#{1,6}|[-*+>]|\d+\.|!!!\s*\w+|\|?[-:| ]{3,}\|?$)|[*`|]+", re.M)
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Runs of ideographs and kana: what is indexed as character pairs (punctuation splits runs).
IDEOGRAPH_CLASS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
IDEOGRAPHS = re.compile(f"[{IDEOGRAPH_CLASS}]+")
# Latin words written against Chinese (安装SSL证书): PostgreSQL's parser keeps them in one token.
GLUED_WORDS = re.compile(
    f"(?<=[{IDEOGRAPH_CLASS}])[A-Za-z0-9]+|[A-Za-z0-9]+(?=[{IDEOGRAPH_CLASS}])"
)


def clean_query(raw):
    """Whatever arrives (quotes, &|!, NUL, 2,000 characters) becomes a short, plain string."""
    text = CONTROL_CHARS.sub(" ", str(raw or ""))[:MAX_QUERY_LENGTH]
    return " ".join(text.split())


def terms_of(query):
    return [term.strip("\"'") for term in query.split()[:MAX_TERMS] if term.strip("\"'")]


def using_postgres():
    return connection.vendor == "postgresql"


def character_pairs(text):
    """Overlapping pairs of ideographs: 重置密码 → 重置 置密 密码; a lone one stays alone.
    Latin words glued to Chinese follow, so that SSL in 安装SSL证书 is a word of its own."""
    pairs = []
    for run in IDEOGRAPHS.findall(text or ""):
        pairs.extend([run] if len(run) == 1 else (run[i : i + 2] for i in range(len(run) - 1)))
    return " ".join(pairs + GLUED_WORDS.findall(text or ""))


def update_search_vectors(translations):
    """Refresh the weighted vectors of these translations (PostgreSQL only).

    The character pairs come first in the vector: PostgreSQL caps word positions at
    16,383, and phrase matching of the pairs needs their own positions to be exact."""
    if not using_postgres():
        return
    rows = translations.values_list("pk", "language", "title", "summary", "body")
    for pk, language, title, summary, body in rows.iterator():
        config = CONFIGS.get(language, "simple")
        ArticleTranslation.objects.filter(pk=pk).update(
            search_vector=SearchVector(Value(character_pairs(title)), weight="A", config="simple")
            + SearchVector(
                Value(character_pairs(f"{summary}\n{body}")), weight="B", config="simple"
            )
            + SearchVector(without_tags("title"), weight="A", config=config)
            + SearchVector(without_tags("summary"), weight="B", config=config)
            + SearchVector(without_tags("body"), weight="B", config=config)
        )


def without_tags(field):
    """PostgreSQL's parser swallows text that looks like HTML tags (`<script>alert…`),
    so angle brackets become spaces before the text is indexed."""
    return Func(
        F(field),
        Value("[<>]"),
        Value(" "),
        Value("g"),
        function="regexp_replace",
        output_field=TextField(),
    )


@dataclass
class Result:
    article: Article
    translation: ArticleTranslation
    snippet: str
    rank: float


def has_cjk(text):
    return bool(CJK.search(text))


def substring_match(terms, fields):
    """Every term in one of the fields. Chinese has no case, so LIKE (not UPPER … LIKE)
    is enough for it, which keeps the plain pg_trgm indexes usable."""
    return reduce(
        and_,
        (
            reduce(
                or_,
                (
                    Q(**{f"{field}__{'contains' if has_cjk(t) else 'icontains'}": t})
                    for field in fields
                ),
            )
            for t in terms
        ),
    )


def pairs_query(terms):
    """Full-text query for the Chinese terms: each one the phrase of its character pairs,
    the rest of the term (Latin letters, digits) as words. Lone characters are left over,
    to be matched as substrings."""
    queries, leftover = [], []
    for term in terms:
        runs = IDEOGRAPHS.findall(term)
        if any(len(run) == 1 for run in runs):
            leftover.append(term)
            continue
        for run in runs:
            queries.append(SearchQuery(character_pairs(run), config="simple", search_type="phrase"))
        rest = IDEOGRAPHS.sub(" ", term).strip()
        if rest:
            queries.append(SearchQuery(rest, config="simple"))
    return reduce(and_, queries) if queries else None, leftover


def matching_translations(user, query):
    """Translations of visible articles that match, best first."""
    terms = terms_of(query)
    if not terms:
        return ArticleTranslation.objects.none()
    title_boost = Case(When(substring_match(terms, ["title"]), then=Value(1.0)), default=Value(0.0))
    translations = ArticleTranslation.objects.filter(
        article__in=Article.objects.visible_to(user)
    ).select_related("article__category")
    pairs, leftover = pairs_query(terms) if has_cjk(query) else (None, terms)
    if using_postgres() and not has_cjk(query):
        words = SearchQuery(query, config="english", search_type="websearch") | SearchQuery(
            query, config="simple", search_type="websearch"
        )
        translations = translations.filter(
            Q(search_vector=words) | substring_match(terms, ["title"])
        ).annotate(rank=title_boost + SearchRank(F("search_vector"), words))
    elif using_postgres() and pairs is not None:
        matches = Q(search_vector=pairs)
        if leftover:
            matches &= substring_match(leftover, ["title", "summary", "body"])
        translations = translations.filter(matches).annotate(
            rank=title_boost + SearchRank(F("search_vector"), pairs)
        )
    else:
        summary_boost = Case(
            When(substring_match(terms, ["summary"]), then=Value(0.3)), default=Value(0.1)
        )
        translations = translations.filter(
            substring_match(terms, ["title", "summary", "body"])
        ).annotate(rank=title_boost + summary_boost)
    return translations.order_by("-rank", "-article__view_count", "pk")


def search(user, query, language=None, limit=MAX_RESULTS):
    """Ranked results, one per article, in the reader's language where it matches."""
    language = language or current_language()
    best = {}
    for version in matching_translations(user, query)[: limit + 10]:
        current = best.get(version.article_id)
        if current is None or (version.language == language and current.language != language):
            best[version.article_id] = version
    chosen = sorted(best.values(), key=lambda v: -v.rank)[:limit]
    return [Result(v.article, v, highlight_passage(v, query), v.rank) for v in chosen]


def plain_text(markdown_text):
    """Readable text of a Markdown body, for passages (escaped again before display)."""
    text = MARKDOWN_LINK.sub(r"\1", markdown_text)
    text = MARKDOWN_SYNTAX.sub(" ", text)
    return html.unescape(text)


def highlight_passage(version, query):
    """The passage around the first match, escaped first, then marked."""
    terms = terms_of(query)
    text = " ".join(plain_text(version.body).split())
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE) if terms else None
    found = pattern.search(text) if pattern else None
    if found is None:
        text = version.summary or text
        found = pattern.search(text) if pattern else None
    length = SNIPPET_LENGTH // 2 if has_cjk(text[:SNIPPET_LENGTH]) else SNIPPET_LENGTH
    start = max(found.start() - length // 3, 0) if found else 0
    space = text.find(" ", start, found.start() if found else start + 20)
    if start and space != -1:
        start = space + 1
    passage = text[start : start + length]
    prefix = "… " if start else ""
    suffix = " …" if start + length < len(text) else ""
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
