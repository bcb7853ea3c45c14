"""New rows of several tables written in one statement: one round trip, and atomic on its own.

`insert_together(rows)` INSERTs unsaved model instances as a chain of data-modifying CTEs
(`WITH a AS (INSERT … RETURNING id), b AS (INSERT … (SELECT id FROM a) …) SELECT …`): a
foreign key to an earlier row of the same call takes that row's new id inside the statement.
Outside a transaction the statement commits alone (no BEGIN, no COMMIT, no savepoint), which is
what a busy write path such as opening a ticket wants. Each row gets its primary key, and
pre_save/post_save are sent as `save()` sends them, so receivers see no difference.

Django compiles each INSERT (defaults, `auto_now_add`, expressions such as a search vector);
only the statement around them is ours. PostgreSQL only: elsewhere the rows are saved one
by one in a transaction.
"""

from django.db import connections, transaction
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery


def insert_together(rows, using="default"):
    """INSERT `rows` (unsaved model instances, parents before the rows that point at them) in
    one statement; returns them with their primary keys set."""
    rows = list(rows)
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            for obj in rows:
                obj.save(using=using, force_insert=True)
        return rows
    for obj in rows:
        if not type(obj)._meta.auto_created:
            pre_save.send(
                sender=type(obj), instance=obj, raw=False, using=using, update_fields=None
            )
    links = _link_to_earlier_rows(rows, connection)
    ctes, selects, params = [], [], []
    for number, obj in enumerate(rows):
        sql, row_params = _insert_sql(obj, connection, using)
        ctes.append(f"row{number} AS ({sql})")
        pk = connection.ops.quote_name(obj._meta.pk.column)
        selects.append(f"SELECT {number}, {pk} FROM row{number}")
        params.extend(row_params)
    sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(selects)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = dict(cursor.fetchall())
    for number, obj in enumerate(rows):
        obj.pk = ids[number]
        obj._state.adding, obj._state.db = False, using
    for obj, field, parent in links:
        setattr(obj, field.name, parent)  # the new id, with the parent kept as cached
    for obj in rows:
        if not type(obj)._meta.auto_created:
            post_save.send(
                sender=type(obj),
                instance=obj,
                created=True,
                update_fields=None,
                raw=False,
                using=using,
            )
    return rows


def _link_to_earlier_rows(rows, connection):
    """Point each foreign key to an earlier, unsaved row at that row's CTE; returns
    [(row, field, parent)] to set the real ids afterwards."""
    position = {id(obj): number for number, obj in enumerate(rows)}
    links = []
    for number, obj in enumerate(rows):
        for field in obj._meta.concrete_fields:
            if not field.is_relation or not field.is_cached(obj):
                continue
            parent = field.get_cached_value(obj)
            earlier = position.get(id(parent)) if parent is not None else None
            if earlier is None or parent.pk is not None:
                continue
            if earlier >= number:
                raise ValueError(f"{obj!r} is listed before the {parent!r} it points at.")
            pk = connection.ops.quote_name(parent._meta.pk.column)
            subquery = RawSQL(f"SELECT {pk} FROM row{earlier}", (), output_field=field)
            obj.__dict__[field.attname] = subquery
            links.append((obj, field, parent))
    return links


def _insert_sql(obj, connection, using):
    """Django's own INSERT … RETURNING id for one unsaved row."""
    meta = obj._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if not field.generated and not (field is meta.auto_field and obj.pk is None)
    ]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [meta.pk]
    [(sql, params)] = compiler.as_sql()
    return sql, params
