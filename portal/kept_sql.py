"""Querysets whose SQL is written once per process and then only run with new values.

Django builds and compiles a queryset's SQL on every evaluation; for the few queries every
ticket page runs, with their joins, subqueries and annotations, that was a fifth of the
page's time, more than the database took to answer them. A `KeptQuery` writes the SQL once
(per database, language and time zone) and afterwards runs it with the values of the call;
the rows become model instances exactly as the queryset would make them (Django's own
iterable, with the compiler kept from the first time).

The SQL is kept only when it is shown to depend on the values alone: the queryset is built
twice, with two different stand-ins for every value, and the two SQL texts must be the same
and their parameters differ only where the stand-ins are. A query that reads the clock, or
puts a value into the SQL text itself, fails that test and is built afresh each time.
"""

import copy

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.utils import timezone, translation

KINDS = (int, str)


def stand_in(kind, which, index):
    """The first or second stand-in (`which`: 0 or 1) for the `index`-th value: unlikely
    values, never real ones, different for every value and both sets."""
    if kind is int:
        return -918_273_000 - 2 * index - which
    return f"\x1fkept-sql-{which}-{index}\x1f"


class KeptQuery:
    """`KeptQuery(build)`, where `build(*values)` returns a queryset and depends on nothing
    but its arguments (ints or strings); `kept(*values)` is `list(build(*values))`. The
    values may only be compared with in the query, never decide its shape (`if value:`):
    the stand-ins would decide it for every call.

    With `shaping=n`, the first n arguments shape the query (a role that decides which
    filters apply, say): they are passed to `build` as they are and the SQL is kept for
    each of their values."""

    limit = 64  # compiled forms kept: shapes × databases × languages × time zones × kinds

    def __init__(self, build, shaping=0):
        self.build = build
        self.shaping = shaping
        self.model = None
        self.kept = {}

    def __call__(self, *args):
        shape, values = args[: self.shaping], args[self.shaping :]
        kinds = tuple(type(value) for value in values)
        if any(kind not in KINDS for kind in kinds):
            return list(self.build(*args))
        if self.model is None:
            self.model = self.build(*args).model
        key = (
            shape,
            router.db_for_read(self.model),
            translation.get_language(),
            timezone.get_current_timezone_name(),
            kinds,
        )
        compiled = self.kept.get(key)
        if compiled is None:
            if len(self.kept) >= self.limit:
                self.kept.clear()
            compiled = self.kept[key] = self._compile(shape, kinds)
        if not compiled:
            return list(self.build(*args))
        queryset, compiler, sql, params, positions = compiled
        run = queryset._chain()
        running = copy.copy(compiler)
        running.connection = connections[queryset.db]
        filled = list(params)
        for position, index in positions:
            filled[position] = values[index]
        running.as_sql = lambda *_args, **_options: (sql, tuple(filled))
        run.query.get_compiler = lambda *_args, **_options: running
        return list(run)

    def _compile(self, shape, kinds):
        """(queryset, compiler, sql, params, where each value goes), or () when the SQL
        depends on more than the shape and the values."""
        first = self.build(*shape, *(stand_in(kind, 0, i) for i, kind in enumerate(kinds)))
        second = self.build(*shape, *(stand_in(kind, 1, i) for i, kind in enumerate(kinds)))
        compiler = first.query.get_compiler(using=first.db)
        try:
            sql, params = compiler.as_sql()
            other_sql, other_params = second.query.get_compiler(using=second.db).as_sql()
        except EmptyResultSet:  # nothing to ask the database: Django answers it alone
            return ()
        if sql != other_sql or len(params) != len(other_params):
            return ()
        positions = []
        for position, (one, other) in enumerate(zip(params, other_params, strict=True)):
            index = _stand_in(one, 0, kinds)
            if index is not None and _stand_in(other, 1, kinds) == index:
                positions.append((position, index))
            elif index is not None or one != other:
                return ()
        return first, compiler, sql, tuple(params), positions


def _stand_in(param, which, kinds):
    """Which value `param` stands in for (the first or second set of stand-ins), or None."""
    for index, kind in enumerate(kinds):
        if type(param) is kind and param == stand_in(kind, which, index):
            return index
    return None
