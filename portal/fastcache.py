"""Cached fragments that any change invalidates at once, at no query per request.

A `VersionedCache` keeps entries under keys that carry a version number; a change bumps
the version (again after commit, so that a request racing the transaction cannot keep
stale content), which orphans every entry. A short time-to-live is a safety net for
time passing (midnight, a scheduled publication).

Each process also keeps what it read in memory, and asks the shared cache (the database
table without Redis) for the version at most once a second: a cached page then costs no
query at all, and a change made in another process shows within a second (at once in
the process that made it). With a local-memory default cache (tests, one process) the
shared cache already is local and is used alone.
"""

import threading
import time

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

CHECK_EVERY = 1.0


def keeps_local_copy():
    return not isinstance(caches["default"], LocMemCache)


class LocalCopy(threading.local):
    """What this process (thread) last read: the version, when it asked, and the entries."""

    def __init__(self):
        self.forget()

    def forget(self):
        self.version, self.checked_at, self.entries = None, float("-inf"), {}


class VersionedCache:
    instances = []

    def __init__(self, prefix, ttl=60):
        VersionedCache.instances.append(self)
        self.prefix = prefix
        self.version_key = f"{prefix}:version"
        self.ttl = ttl
        self.local = LocalCopy()

    def current_version(self):
        now = time.monotonic()
        if keeps_local_copy() and now - self.local.checked_at < CHECK_EVERY:
            return self.local.version
        version = cache.get(self.version_key)
        if version is None:
            cache.add(self.version_key, time.time_ns(), None)
            version = cache.get(self.version_key)
        self._remember(version, now)
        return version

    def _remember(self, version, now):
        if version != self.local.version:
            self.local.entries = {}
        self.local.version, self.local.checked_at = version, now

    def bump(self):
        version = time.time_ns()
        cache.set(self.version_key, version, None)
        self._remember(version, time.monotonic())

    def invalidate(self, **_signal_arguments):
        self.bump()
        transaction.on_commit(self.bump)

    def _key(self, name, version=None):
        if version is None:
            version = self.current_version()
        return f"{self.prefix}:{version}:{name}"

    def get(self, name):
        key = self._key(name)
        if not keeps_local_copy():
            return cache.get(key)
        kept = self.local.entries.get(key)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        value = cache.get(key)
        if value is not None:
            self.local.entries[key] = (time.monotonic() + self.ttl / 2, value)
        return value

    def set(self, name, value, version=None):
        """Keep `value` under `name`; pass the version read before building it, so that a
        change made meanwhile leaves it orphaned rather than served as current."""
        key = self._key(name, version)
        cache.set(key, value, self.ttl)
        if keeps_local_copy():
            self.local.entries[key] = (time.monotonic() + self.ttl / 2, value)

    def cached(self, name, build):
        """The value cached under `name` for the current version, built once when missing."""
        version = self.current_version()
        value = self.get(name)
        if value is None:
            value = build()
            self.set(name, value, version)
        return value

    def invalidate_on_change(self, *models, m2m=()):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        for model in models:
            uid = f"{self.prefix}-{model._meta.label}"
            post_save.connect(self.invalidate, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=f"{uid}-delete")
        for through in m2m:
            m2m_changed.connect(
                self.invalidate, sender=through, dispatch_uid=f"{self.prefix}-{through}"
            )


class Recent:
    """Figures worked out at most once every `seconds` in this process (a queue's counts, the
    dashboard's): other processes' changes show after those seconds at most, this process's at
    once when `forget` is connected to the models behind them (no query, no shared write)."""

    instances = []
    limit = 1000

    def __init__(self, seconds):
        Recent.instances.append(self)
        self.seconds = seconds
        self.entries = {}

    def get(self, key, build):
        now = time.monotonic()
        kept = self.entries.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = build()
        if len(self.entries) >= self.limit:
            self.entries = {}
        self.entries[key] = (now + self.seconds, value)
        return value

    def forget(self, **_signal_arguments):
        self.entries = {}

    def forget_on_change(self, *models):
        from django.db.models.signals import post_delete, post_save

        for model in models:
            uid = f"recent-{id(self)}-{model._meta.label}"
            post_save.connect(self.forget, sender=model, weak=False, dispatch_uid=f"{uid}-save")
            post_delete.connect(self.forget, sender=model, weak=False, dispatch_uid=f"{uid}-del")


def forget_local_copies():
    """Tests that switch to a shared cache start with nothing kept in memory."""
    for instance in VersionedCache.instances:
        instance.local.forget()
    for instance in Recent.instances:
        instance.forget()
