"""Prometheus metrics at /metrics, for a scraper holding METRICS_TOKEN.

Request latency comes from django-prometheus' middleware (with PROMETHEUS_MULTIPROC_DIR set,
summed over every gunicorn worker of the node); the portal's own figures are read from the
database at each scrape, so every node reports the same totals.
"""

import hmac
import os

from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from support.outbox.models import OutboxMessage
from support.tickets.models import Ticket


def open_tickets_by_sla_state(now=None):
    """Open tickets counted by SLA state in one query (a ticket counts in its worst state)."""
    now = now or timezone.now()
    breached = (
        Q(next_due_at__lte=now)
        | Q(first_response_outcome="breached")
        | Q(resolution_outcome="breached")
    )
    at_risk = ~breached & (
        Q(first_response_at__isnull=True, first_response_warn_at__lte=now)
        | Q(resolution_warn_at__lte=now)
    )
    counts = Ticket.objects.active().aggregate(
        breached=Count("pk", filter=breached),
        at_risk=Count("pk", filter=at_risk),
        total=Count("pk"),
    )
    counts["on_track"] = counts.pop("total") - counts["breached"] - counts["at_risk"]
    return counts


def task_queue_depth():
    from django_q.brokers import get_broker

    try:
        return get_broker().queue_size() or 0
    except Exception:  # a broker that can't be reached is reported as -1, not as an error page
        return -1


class PortalCollector:
    def collect(self):
        tickets = GaugeMetricFamily(
            "portal_open_tickets", "Open tickets by SLA state.", labels=["sla_state"]
        )
        for state, count in open_tickets_by_sla_state().items():
            tickets.add_metric([state], count)
        yield tickets
        outbox = GaugeMetricFamily(
            "portal_outbox_backlog",
            "Emails in the outbox not yet sent, by status.",
            labels=["status"],
        )
        pending = OutboxMessage.objects.aggregate(
            pending=Count("pk", filter=Q(status=OutboxMessage.Status.PENDING)),
            sending=Count("pk", filter=Q(status=OutboxMessage.Status.SENDING)),
            failed=Count("pk", filter=Q(status=OutboxMessage.Status.FAILED)),
        )
        for status, count in pending.items():
            outbox.add_metric([status], count)
        yield outbox
        yield GaugeMetricFamily(
            "portal_task_queue_depth", "Tasks waiting in the django-q2 queue.", task_queue_depth()
        )


def _authorised(request):
    expected = f"Bearer {settings.METRICS_TOKEN}"
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), expected.encode())


def _process_registry():
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@never_cache
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorised(request):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    portal = CollectorRegistry()
    portal.register(PortalCollector())
    body = generate_latest(_process_registry()) + generate_latest(portal)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
