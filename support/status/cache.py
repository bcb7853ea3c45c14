"""The status page and summary.json are served from the cache; any change invalidates them.

Every cached entry's key carries a version number, and every save or delete of a
component, incident or update bumps it (again after commit, so that a request racing
the transaction cannot keep stale content). A short time-to-live is only a safety net
for per-process caches and for time passing (midnight, a maintenance window starting).
"""

import time

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "status:version"
SAFETY_TTL = 60


def current_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY)
    return version


def bump_version():
    cache.set(VERSION_KEY, time.time_ns(), None)


def invalidate(**kwargs):
    bump_version()
    transaction.on_commit(bump_version)


def _key(name):
    return f"status:{current_version()}:{name}"


def cache_get(name):
    return cache.get(_key(name))


def cache_set(name, value):
    cache.set(_key(name), value, SAFETY_TTL)


def cached(name, build):
    """The value cached under `name` for the current version, built once when missing."""
    value = cache_get(name)
    if value is None:
        value = build()
        cache_set(name, value)
    return value


def connect_signals():
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from . import models

    for model in (
        models.ComponentGroup,
        models.Component,
        models.Incident,
        models.IncidentUpdate,
        models.IncidentUpdateComponent,
    ):
        post_save.connect(invalidate, sender=model, dispatch_uid=f"status-save-{model.__name__}")
        post_delete.connect(
            invalidate, sender=model, dispatch_uid=f"status-delete-{model.__name__}"
        )
    m2m_changed.connect(
        invalidate, sender=models.Incident.components.through, dispatch_uid="status-m2m"
    )
