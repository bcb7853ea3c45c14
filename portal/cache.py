"""The embedded default cache: one table in the portal's database, shared by every process.

Rate limits, sign-in lockouts and one-time-code replay protection only hold when every
web worker and node counts in the same place. Without REDIS_URL that place is the
database: Django's database cache, with `incr` made atomic (Django's reads and writes
in two steps, so two workers could both count 4 → 5).
"""

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction


class SharedDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(self._table)
        cache_key = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                # The row stays locked until the new count is written.
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",
                        [cache_key],
                    )
            # SQLite: the portal opens every transaction IMMEDIATE, so it already holds
            # the database's write lock here.
            return super().incr(key, delta, version)
