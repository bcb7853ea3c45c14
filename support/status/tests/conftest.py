import datetime

import pytest
from django.utils import timezone

from support.status.models import Component, ComponentGroup, Incident


@pytest.fixture
def group(db):
    return ComponentGroup.objects.create(name="Frankfurt — shared hosting")


@pytest.fixture
def web(group):
    return Component.objects.create(
        group=group,
        name="Web servers",
        slug="fra1-web",
        created_at=timezone.now() - datetime.timedelta(days=200),
    )


@pytest.fixture
def dns(db):
    dns_group = ComponentGroup.objects.create(name="DNS", order=1)
    return Component.objects.create(
        group=dns_group,
        name="Authoritative DNS",
        slug="dns",
        created_at=timezone.now() - datetime.timedelta(days=200),
    )


def open_incident(components, name="Web servers down", impact="major", **fields):
    incident = Incident.objects.create(name=name, impact=impact, **fields)
    incident.post_update(
        "investigating",
        "We are looking into it.",
        dict.fromkeys(components, "partial_outage"),
    )
    return incident


def schedule_maintenance(components, start, hours=2, name="Router upgrade", **fields):
    maintenance = Incident.objects.create(
        kind="maintenance",
        name=name,
        status="scheduled",
        scheduled_for=start,
        scheduled_until=start + datetime.timedelta(hours=hours),
        **fields,
    )
    maintenance.components.set(components)
    maintenance.post_update("scheduled", "We will upgrade the routers.")
    return maintenance
