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

import functools
import re
import time
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


def search_tickets_counted(queryset, raw, *, public_only=False, newest=None):
    """`search_tickets`, how many tickets match among all tickets when that is known without
    counting again (None otherwise), and whether more match than the `newest` listed.

    On PostgreSQL the matches are read once (`matching_ids`), counted there, and only their
    ids come back. With `newest`, only the newest that many (by ticket number) are kept to
    be sorted and listed, as big helpdesks cap a search's list: sorting every match by
    urgency reads each matching ticket's row, finding them all each matching message's;
    when more match, their number may be left unknown (None)."""
    from .models import Message

    term = clean_term(raw)
    if not term:
        return queryset, None, False
    upper = term.upper()
    if REFERENCE.fullmatch(upper):
        return queryset.filter(reference=upper), None, False
    if not using_postgres():
        messages = Message.objects.filter(internal=False) if public_only else Message.objects
        text = messages.filter(ticket=OuterRef("pk"), body__icontains=term)
        found = queryset.filter(
            Q(reference__iexact=term)
            | Q(subject__icontains=term)
            | Q(requester__email__iexact=term)
            | Exists(text)
        )
        return found, None, False
    ids, count = matching_ids(term, public_only=public_only, newest=newest)
    if ids is None:
        return queryset.none(), 0, False
    # PostgreSQL fetches those tickets by primary key instead of hashing them against a
    # scan of every ticket; the ids travel as one text value (no list to convert).
    pks = RawSQL("SELECT unnest(string_to_array(%s, ',')::bigint[])", [ids])
    return queryset.filter(pk__in=pks), count, bool(newest and (count is None or count > newest))


NEAR = 10_000  # the newest tickets a capped search looks through first
NEAR_SECONDS = 300


class NearStart:
    """The number of the NEAR-th newest ticket (None with fewer tickets), learnt by a capped
    search that looks through every ticket (in the same query) and kept five minutes in this
    process: a stale one only makes the window wider."""

    def __init__(self):
        self.forget()

    def forget(self):
        self.start, self.until = None, 0.0

    def known(self):
        return time.monotonic() < self.until

    def learn(self, start):
        self.start, self.until = start, time.monotonic() + NEAR_SECONDS


near = NearStart()


def matching_ids(term, *, public_only=False, newest=None):
    """The ids of the tickets a term finds, newest first, as text ("12,7,3"), and how many
    there are, in one query. None and 0 when nothing in the term can be looked up.

    With `newest`, the ids of the newest that many only. Those are first looked for among
    the NEAR newest tickets: each GIN bitmap is intersected with the id index's range, so a
    common word reads a fraction of its matching rows (the rows are what costs: a word in
    one message in ten reads 10,000 table pages at 100,000 tickets). When more than
    `newest` are found there, they are the newest of all, and the count is None (more than
    `newest`); else every ticket is searched, in the same query (PostgreSQL reads a CTE
    only when asked). Plain index scans are off for it: the planner, misjudging what a
    word costs to check, would rather walk the window's rows and read each one's vector.
    Where the NEAR newest begin is learnt by a capped search that looked through every
    ticket, in its query (so no search ever needs a query more)."""
    from .models import Ticket

    everything = matching_sql(term, public_only=public_only)
    if everything is None:
        return None, 0
    sql, params = everything
    limit = f"LIMIT {int(newest)}" if newest else ""
    since = near.start if newest and near.known() else None
    with connection.cursor() as cursor:
        if since is None:
            learn = newest and not near.known()
            edge = (
                f"(SELECT id FROM {Ticket._meta.db_table} ORDER BY id DESC "
                f"OFFSET {int(NEAR) - 1} LIMIT 1)"
                if learn
                else "NULL"
            )
            cursor.execute(
                f"WITH found (id) AS MATERIALIZED ({sql}) "
                "SELECT (SELECT count(*) FROM found), "
                "(SELECT string_agg(id::text, ',') FROM "
                f"(SELECT id FROM found ORDER BY id DESC {limit}) AS newest), {edge}",
                params,
            )
            count, ids, start = cursor.fetchone()
            if learn:
                near.learn(start)
        else:
            near_sql, near_params = matching_sql(term, public_only=public_only, since=since)
            # One round trip: the setting lasts for this statement's implicit transaction
            # (or is set back at once inside a longer one).
            cursor.execute(
                "SET LOCAL enable_indexscan = off; "
                f"WITH near (id) AS MATERIALIZED ({near_sql}), "
                f"found (id) AS MATERIALIZED ({sql}), "
                f"many AS (SELECT count(*) > {int(newest)} AS yes FROM near) "
                "SELECT CASE WHEN (SELECT yes FROM many) THEN NULL "
                "ELSE (SELECT count(*) FROM found) END, "
                "CASE WHEN (SELECT yes FROM many) THEN (SELECT string_agg(id::text, ',') FROM "
                f"(SELECT id FROM near ORDER BY id DESC {limit}) AS newest) "
                "ELSE (SELECT string_agg(id::text, ',') FROM "
                f"(SELECT id FROM found ORDER BY id DESC {limit}) AS newest) END; "
                "SET LOCAL enable_indexscan = on",
                [*near_params, *params],
            )
            cursor.nextset()
            count, ids = cursor.fetchone()
    return ids or "", count


def matching_sql(term, *, public_only=False, since=None):
    """The SQL (and its parameters) of the ids of the tickets a term finds (PostgreSQL): a
    UNION of the reference prefix, the requesters with that address, the tickets' and the
    messages' full text, through their indexes; `since`, a ticket number, narrows it to the
    tickets from that one on. Written out rather than built by the ORM, which took longer
    than PostgreSQL answers a rare word. None when nothing in the term can be looked up."""
    from accounts.models import User

    from .models import Message, Ticket

    term = clean_term(term)
    upper = term.upper()
    tickets, messages, users = (
        Ticket._meta.db_table,
        Message._meta.db_table,
        User._meta.db_table,
    )
    parts, params = [], []

    def part(sql, *values, number="id"):
        parts.append(f"({sql} AND {number} >= %s)" if since else f"({sql})")
        params.extend([*values, since] if since else values)

    if REFERENCE_START.fullmatch(upper):
        part(f"SELECT id FROM {tickets} WHERE reference::text LIKE %s", f"{upper}%")
    if EMAIL.fullmatch(term):
        part(
            f"SELECT id FROM {tickets} WHERE requester_id IN "
            f"(SELECT id FROM {users} WHERE UPPER(email::text) LIKE UPPER(%s))",
            f"{escape_like(term)}%",
        )
    query = tsquery_sql(term)
    if query is not None:
        text, values = query
        part(f"SELECT id FROM {tickets} WHERE search_vector @@ {text}", *values)
        public = " AND NOT internal" if public_only else ""
        part(
            f"SELECT ticket_id FROM {messages} WHERE search_vector @@ {text}{public}",
            *values,
            number="ticket_id",
        )
    if not parts:
        return None
    return " UNION ".join(parts), params


def escape_like(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@functools.lru_cache(maxsize=512)
def tsquery_sql(term):
    """The SQL of `text_query(term)` (kept: the same words are searched again as agents page
    through the matches), or None."""
    from .models import Ticket

    query = text_query(term) if term else None
    if query is None:
        return None
    compiler = Ticket.objects.none().query.get_compiler(connection=connection)
    sql, params = compiler.compile(query.resolve_expression(compiler.query))
    return sql, tuple(params)


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
