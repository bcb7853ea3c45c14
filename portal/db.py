"""Reads from a replica for heavy read-only pages, and from the primary for everything else.

With DATABASE_REPLICA_URL set, a view wrapped in `reads_from_replica` reads from the replica,
unless the person changed something in the last DATABASE_REPLICA_PIN_SECONDS seconds (they
would otherwise miss their own change while the replica catches up). Every write, and every read
outside such a view, goes to the primary.
"""

from contextvars import ContextVar
from functools import wraps

from django.conf import settings

REPLICA = "replica"
MAX_ID = 2**63 - 1  # the largest id a table holds (bigint): a larger one can't name a row
PIN_COOKIE = "use_primary"
_replica_reads = ContextVar("replica_reads", default=False)


def replica_configured():
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if _replica_reads.get() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def reads_from_replica(view):
    """Run a read-only view against the replica, when there is one and the person may use it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        use_replica = (
            replica_configured()
            and request.method in ("GET", "HEAD")
            and PIN_COOKIE not in request.COOKIES
        )
        if not use_replica:
            return view(request, *args, **kwargs)
        token = _replica_reads.set(True)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()  # template responses run their queries here, on the replica
            return response
        finally:
            _replica_reads.reset(token)

    return wrapped


class PinToPrimaryMiddleware:
    """After a change (any unsafe request), read this person's pages from the primary a while."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE"):
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.DATABASE_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
