"""Finding tickets in the back office: a reference, a subject word, an email address or a
phrase from a message, in English or Chinese, at 100,000 tickets in milliseconds.

PostgreSQL: each ticket (reference and subject) and each message (body) carries a
full-text vector with a GIN index, filled when the row is written (`vector_of`, from
`Ticket.save`, `Message.save` and their bulk_create). English words are stemmed
(`english` config); Chinese text is indexed a second time as overlapping character
pairs, the knowledge base's approach (`support.kb.search`), so a two-character word
is found through the same index. A reference (or its beginning) goes through the
reference index, an email address through the people with that address; everything
ends in one `ARRAY(… UNION …)` of ids read once, so neither counting nor sorting the matches
reads the whole table or searches twice.
SQLite: substring matching.
"""

import re
from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

REFERENCE = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{4,5}")
REFERENCE_START = re.compile(r"[A-Z0-9]{3}-[A-Z0-9]{0,4}")
EMAIL = re.compile(r"[^\s@]+@[^\s@]*")
MAX_LENGTH = 200


def using_postgres():
    return connection.vendor == "postgresql"


def vector_of(*texts):
    """The search vector of some text: English words plus Chinese character pairs."""
    from support.kb.search import character_pairs

    text = "\n".join(filter(None, texts)).replace("\x00", "")
    # What SearchVector(Value(pairs), config="simple") + SearchVector(Value(text), config=
    # "english") writes, as plain SQL: every ticket and message is written with one, and
    # Django takes longer to compile that expression than the rest of a ticket's INSERT.
    return RawSQL(VECTOR_SQL, (character_pairs(text), text), output_field=SearchVectorField())


VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, COALESCE(%s, '')) "
    "|| to_tsvector('english'::regconfig, COALESCE(%s, ''))"
)


def text_query(term):
    """The full-text query of what was typed (None when nothing in it can be indexed)."""
    from support.kb.search import IDEOGRAPHS, has_cjk, pairs_query, terms_of

    if not has_cjk(term):
        return SearchQuery(term, config="english", search_type="websearch")
    terms = terms_of(term)
    # Each Chinese term as the phrase of its character pairs (the knowledge base's query).
    pairs, _every_pair, leftover = pairs_query(terms)
    # A lone character is the start of the pairs it begins (重 → 重置, 重要 …).
    lone = [
        SearchQuery(f"{run}:*", config="simple", search_type="raw")
        for word in leftover
        for run in IDEOGRAPHS.findall(word)
        if len(run) == 1
    ]
    queries = [query for query in [pairs, *lone] if query is not None]
    return reduce(and_, queries) if queries else None


def search_tickets(queryset, raw, *, public_only=False):
    """The tickets of `queryset` that match; `public_only` leaves internal notes out."""
    return search_tickets_counted(queryset, raw, public_only=public_only)[0]


def clean_term(raw):
    return " ".join(str(raw or "").replace("\x00", " ").split())[:MAX_LENGTH]


def search_tickets_counted(queryset, raw, *, public_only=False):
    """`search_tickets`, and how many tickets match among all tickets when that is known
    without counting again (None otherwise). On PostgreSQL the matches are read once, as
    their ids (`matching`): the list then neither counts nor sorts them by searching again."""
    from .models import Message

    term = clean_term(raw)
    if not term:
        return queryset, None
    upper = term.upper()
    if REFERENCE.fullmatch(upper):
        return queryset.filter(reference=upper), None
    if not using_postgres():
        messages = Message.objects.filter(internal=False) if public_only else Message.objects
        text = messages.filter(ticket=OuterRef("pk"), body__icontains=term)
        found = queryset.filter(
            Q(reference__iexact=term)
            | Q(subject__icontains=term)
            | Q(requester__email__iexact=term)
            | Exists(text)
        )
        return found, None
    matches = matching(term, public_only=public_only)
    if matches is None:
        return queryset.none(), 0
    # One query through the GIN and prefix indexes; PostgreSQL then fetches those tickets
    # by primary key instead of hashing them against a scan of every ticket.
    sql, params = matches.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ARRAY({sql})", params)
        ids = cursor.fetchone()[0]
    return queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids])), len(ids)


def matching(term, *, public_only=False):
    """The ids of the tickets a term finds (PostgreSQL), as one query: a UNION of the
    reference prefix, the requesters with that address, the tickets' and the messages'
    full text. None when nothing in the term can be looked up."""
    from accounts.models import User

    from .models import Message, Ticket

    term = clean_term(term)
    upper = term.upper()
    messages = Message.objects.filter(internal=False) if public_only else Message.objects.all()
    parts = []
    if REFERENCE_START.fullmatch(upper):
        parts.append(Ticket.objects.filter(reference__startswith=upper).values("pk"))
    if EMAIL.fullmatch(term):
        people = User.objects.filter(email__istartswith=term).values("pk")
        parts.append(Ticket.objects.filter(requester__in=people).values("pk"))
    query = text_query(term) if term else None
    if query is not None:
        parts.append(Ticket.objects.filter(search_vector=query).values("pk"))
        parts.append(messages.filter(search_vector=query).values("ticket_id"))
    if not parts:
        return None
    parts = [part.order_by() for part in parts]
    return parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]


SEARCHED_TEXT = {
    "tickets_ticket": "reference || E'\\n' || subject",
    "tickets_message": "body",
}


def fill_search_vectors(batch=5000):
    """Vectors for rows written without one (a migration, a bulk load): rows without
    Chinese or Japanese text in one UPDATE each, the others in batches with their
    character pairs worked out here (PostgreSQL only)."""
    from support.kb.search import IDEOGRAPH_CLASS, character_pairs

    with connection.cursor() as cursor:
        for table, text in SEARCHED_TEXT.items():
            cursor.execute(
                f"UPDATE {table} SET search_vector = to_tsvector('english', {text}) "
                f"WHERE search_vector IS NULL AND NOT ({text}) ~ %s",
                [f"[{IDEOGRAPH_CLASS}]"],
            )
            while True:
                cursor.execute(
                    f"SELECT id, {text} FROM {table} WHERE search_vector IS NULL "
                    f"ORDER BY id LIMIT {int(batch)}"
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                cursor.execute(
                    f"UPDATE {table} AS t SET search_vector = "
                    f"to_tsvector('simple', v.pairs) || to_tsvector('english', v.text) "
                    f"FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, pairs, text) "
                    f"WHERE t.id = v.id",
                    [
                        [pk for pk, _text in rows],
                        [character_pairs(value) for _pk, value in rows],
                        [value for _pk, value in rows],
                    ],
                )
