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

Only a window of the matches is ranked (RANKED_CANDIDATES: title matches first, then
the most read), so a word found in thousands of articles costs no more than one found
in two hundred; the GIN indexes have no pending list (migration 0005).
"""

import html
import re
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import DatabaseError, connection
from django.db.models import Case, F, Func, Q, TextField, Value, When
from django.utils.safestring import mark_safe

from .models import Article, ArticleTranslation, current_language, readable_by

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_RESULTS = 30
# Matches ranked by full-text rank; the rest (after title matches and the most read) are not.
RANKED_CANDIDATES = 200
# What a result shows (title, passage, link, category, badges): nothing else is read.
RESULT_FIELDS = (
    "article_id",
    "language",
    "title",
    "summary",
    "body",
    "article__slug",
    "article__status",
    "article__visibility",
    "article__published_at",
    "article__view_count",
    "article__category__slug",
    "article__category__name_en",
    "article__category__name_zh_hans",
)
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
    """Full-text queries for the Chinese terms: each one the phrase of its character pairs,
    the rest of the term (Latin letters, digits) as words. Lone characters are left over,
    to be matched as substrings.

    Returns (phrases, pairs, leftover). `pairs` asks only for every pair somewhere, which
    the GIN index answers exactly; `phrases` also asks for them in a row, which needs each
    match's vector read. It is None when no term is longer than one pair: then they agree."""
    phrases, pairs, leftover = [], [], []
    for term in terms:
        runs = IDEOGRAPHS.findall(term)
        if any(len(run) == 1 for run in runs):
            leftover.append(term)
            continue
        for run in runs:
            phrases.append(SearchQuery(character_pairs(run), config="simple", search_type="phrase"))
            pairs.append(SearchQuery(character_pairs(run), config="simple"))
        rest = IDEOGRAPHS.sub(" ", term).strip()
        if rest:
            phrases.append(SearchQuery(rest, config="simple"))
            pairs.append(SearchQuery(rest, config="simple"))
    if not pairs:
        return None, None, leftover
    longer = any(len(run) > 2 for term in terms for run in IDEOGRAPHS.findall(term))
    return reduce(and_, phrases), reduce(and_, pairs) if longer else None, leftover


def matching_translations(user, query):
    """Translations of visible articles that match, best first.

    A common word (密码 in thousands of articles) must not cost a full-text rank of every
    match: a rank reads the match's whole vector, kilobytes stored out of line. So the
    matches are first put in a cheap order, title matches first, then the most read, and
    only the first RANKED_CANDIDATES of them are ranked (as a search engine rescores its top
    hits). With fewer matches than that, the order is exact."""
    terms = terms_of(query)
    if not terms:
        return ArticleTranslation.objects.none()
    in_title = Case(When(substring_match(terms, ["title"]), then=Value(1.0)), default=Value(0.0))
    candidates, exact, relevance = match_and_relevance(terms, query)
    window = (
        ArticleTranslation.objects.filter(readable_by(user, through="article__"), candidates)
        .order_by(in_title.desc(), "-article__view_count", "pk")
        .values("pk")[:RANKED_CANDIDATES]
    )
    return (
        ArticleTranslation.objects.filter(exact, pk__in=window)
        .select_related("article__category")
        .only(*RESULT_FIELDS)
        .annotate(rank=in_title + relevance)
        .order_by("-rank", "-article__view_count", "pk")
    )


def match_and_relevance(terms, query):
    """(what the candidates satisfy, what the ranked ones must satisfy too, the rank besides
    the title's). For Chinese words of three or more characters, the candidates have every
    pair and the ranked ones have them in a row: the GIN index alone answers the first."""
    if using_postgres() and not has_cjk(query):
        words = SearchQuery(query, config="english", search_type="websearch") | SearchQuery(
            query, config="simple", search_type="websearch"
        )
        # The title first: where its trigram index makes PostgreSQL recheck a row, a title
        # match then spares reading the row's vector.
        matches = substring_match(terms, ["title"]) | Q(search_vector=words)
        return matches, Q(), SearchRank(F("search_vector"), words)
    phrases, pairs, leftover = pairs_query(terms) if using_postgres() else (None, None, terms)
    if phrases is not None:
        candidates = Q(search_vector=pairs or phrases)
        if leftover:
            candidates &= substring_match(leftover, ["title", "summary", "body"])
        exact = Q(search_vector=phrases) if pairs else Q()
        return candidates, exact, SearchRank(F("search_vector"), phrases)
    in_summary = Case(
        When(substring_match(terms, ["summary"]), then=Value(0.3)), default=Value(0.1)
    )
    return substring_match(terms, ["title", "summary", "body"]), Q(), in_summary


def search(user, query, language=None, limit=MAX_RESULTS):
    """Ranked results, one per article, in the reader's language where it matches."""
    language = language or current_language()
    best = {}
    for version in through_the_index(matching_translations(user, query)[: limit + 10]):
        current = best.get(version.article_id)
        if current is None or (version.language == language and current.language != language):
            best[version.article_id] = version
    chosen = sorted(best.values(), key=lambda v: -v.rank)[:limit]
    return [Result(v.article, v, highlight_passage(v, query), v.rank) for v in chosen]


def through_the_index(translations):
    """The rows of a search, with PostgreSQL kept from reading the whole table.

    Its planner doesn't count fetching each row's vector from out-of-line storage (about
    10 kB for a Chinese article), so for a word found in a third of the articles or more
    it would read every row's vector rather than the GIN index's matches: at 10,000
    articles 150-250 ms instead of about 25."""
    if not using_postgres():
        return list(translations)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            rows = list(translations)
        except DatabaseError:
            if not connection.in_atomic_block:  # else the rollback undoes the SET
                cursor.execute("RESET enable_seqscan")
            raise
        cursor.execute("RESET enable_seqscan")
    return rows


def plain_text(markdown_text):
    """Readable text of a Markdown body, for passages (escaped again before display)."""
    text = MARKDOWN_LINK.sub(r"\1", markdown_text)
    text = MARKDOWN_SYNTAX.sub(" ", text)
    return html.unescape(text)


@lru_cache(maxsize=1024)
def passage_text(body):
    """A body's plain text on one line; kept by content, as popular articles come up in
    search after search."""
    return " ".join(plain_text(body).split())


def highlight_passage(version, query):
    """The passage around the first match, escaped first, then marked."""
    terms = terms_of(query)
    text = passage_text(version.body)
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
        return mark_safe(prefix + html.escape(passage) + suffix)
    splitter = re.compile("(" + "|".join(re.escape(t) for t in terms) + ")", re.IGNORECASE)
    pieces = splitter.split(passage)
    marked = "".join(
        f"<mark>{html.escape(piece)}</mark>" if index % 2 else html.escape(piece)
        for index, piece in enumerate(pieces)
    )
    return mark_safe(prefix + marked + suffix)
