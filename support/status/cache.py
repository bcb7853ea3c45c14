"""The status page and summary.json are served from the cache; any change invalidates them
(portal/fastcache.py: versioned keys bumped on every save or delete of a component,
incident or update, and a per-process copy that costs no query per request).
"""

from portal.fastcache import VersionedCache

VERSION_KEY = "status:version"
SAFETY_TTL = 60

status_cache = VersionedCache("status", ttl=SAFETY_TTL)
current_version = status_cache.current_version
bump_version = status_cache.bump
invalidate = status_cache.invalidate
cache_get = status_cache.get
cache_set = status_cache.set
cached = status_cache.cached


def connect_signals():
    from . import models

    status_cache.invalidate_on_change(
        models.ComponentGroup,
        models.Component,
        models.Incident,
        models.IncidentUpdate,
        models.IncidentUpdateComponent,
        m2m=[models.Incident.components.through],
    )
