"""Prometheus Alertmanager webhook (payload version 4): alerts move components and incidents.

A firing alert whose `component` label names a component's slug sets the component's
status from the `severity` label and opens (or updates) that alert's incident; a resolved
alert posts the resolving update. The alert's fingerprint makes repeats harmless: a
payload seen before changes nothing. The whole payload is applied in one transaction.
"""

from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import ratelimit
from portal.jsonbody import StrictFieldsMixin
from support.apitokens.auth import token_for_request
from support.apitokens.models import ApiToken, Scope

from .models import (
    COMPONENT_STATUS_IMPACT,
    AlertState,
    Component,
    ComponentStatus,
    Incident,
    IncidentStatus,
)

SEVERITY_STATUS = {
    "critical": ComponentStatus.MAJOR_OUTAGE,
    "page": ComponentStatus.MAJOR_OUTAGE,
    "major": ComponentStatus.PARTIAL_OUTAGE,
    "error": ComponentStatus.PARTIAL_OUTAGE,
    "warning": ComponentStatus.DEGRADED_PERFORMANCE,
    "minor": ComponentStatus.DEGRADED_PERFORMANCE,
    "info": ComponentStatus.DEGRADED_PERFORMANCE,
}
DEFAULT_STATUS = ComponentStatus.PARTIAL_OUTAGE
INCIDENT_NAME_LENGTH = Incident._meta.get_field("name").max_length
SEVERITY_LENGTH = AlertState._meta.get_field("severity").max_length
PAGING_SEVERITIES = {"critical", "page"}  # these page the on-call person (support.oncall)


LABEL_LENGTH = 1024
TEXT_LENGTH = 20_000


def text_map(length):
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=length),
        required=False,
        default=dict,
    )


class AlertSerializer(StrictFieldsMixin, serializers.Serializer):
    """One alert of Alertmanager's webhook payload (version 4); unknown fields are a 400."""

    status = serializers.ChoiceField(choices=["firing", "resolved"])
    labels = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=LABEL_LENGTH)
    )
    annotations = text_map(TEXT_LENGTH)
    startsAt = serializers.DateTimeField()  # noqa: N815 (Alertmanager's field names)
    endsAt = serializers.CharField(required=False, allow_blank=True, max_length=64)  # noqa: N815
    generatorURL = serializers.CharField(  # noqa: N815
        required=False, allow_blank=True, max_length=LABEL_LENGTH * 4
    )
    fingerprint = serializers.CharField(max_length=64)


class PayloadSerializer(StrictFieldsMixin, serializers.Serializer):
    version = serializers.ChoiceField(choices=["4"])
    status = serializers.ChoiceField(choices=["firing", "resolved"])
    receiver = serializers.CharField(required=False, allow_blank=True, max_length=LABEL_LENGTH)
    groupKey = serializers.CharField(  # noqa: N815
        required=False, allow_blank=True, max_length=LABEL_LENGTH * 4
    )
    truncatedAlerts = serializers.IntegerField(required=False, min_value=0)  # noqa: N815
    groupLabels = text_map(LABEL_LENGTH)  # noqa: N815
    commonLabels = text_map(LABEL_LENGTH)  # noqa: N815
    commonAnnotations = text_map(TEXT_LENGTH)  # noqa: N815
    externalURL = serializers.CharField(  # noqa: N815
        required=False, allow_blank=True, max_length=LABEL_LENGTH * 4
    )
    alerts = AlertSerializer(many=True, allow_empty=False, max_length=1000)


def apply_alert(alert, components, publish):
    """Apply one alert; return what happened ('opened', 'updated', 'resolved', 'unchanged'…)."""
    labels, annotations = alert["labels"], alert["annotations"]
    component = components.get(labels.get("component", ""))
    if component is None:
        return "ignored"
    severity = labels.get("severity", "").lower()[:SEVERITY_LENGTH]
    new_status = SEVERITY_STATUS.get(severity, DEFAULT_STATUS)
    summary = annotations.get("summary") or labels.get("alertname") or _("Monitoring alert")
    body = annotations.get("description") or summary
    name = f"{component.name}: {summary}"
    if len(name) > INCIDENT_NAME_LENGTH:  # the title is cut; the update keeps every word
        name = name[: INCIDENT_NAME_LENGTH - 1] + "…"
        if body != summary:
            body = f"{summary}\n\n{body}"
    state = AlertState.objects.select_for_update().filter(fingerprint=alert["fingerprint"]).first()

    if alert["status"] == "resolved":
        if state is None or state.status == "resolved":
            return "unchanged"
        state.status = "resolved"
        state.save(update_fields=["status", "updated_at"])
        if not state.incident.is_resolved:
            state.incident.post_update(
                IncidentStatus.RESOLVED,
                _("Monitoring reports that %(summary)s is resolved.") % {"summary": summary},
                {component: ComponentStatus.OPERATIONAL},
            )
        return "resolved"

    if state and state.status == "firing":
        if state.severity == severity or state.incident.is_resolved:
            return "unchanged"
        state.severity = severity
        state.save(update_fields=["severity", "updated_at"])
        incident = state.incident
        incident.impact = COMPONENT_STATUS_IMPACT[new_status]
        incident.save(update_fields=["impact", "updated_at"])
        incident.post_update(incident.status, body, {component: new_status})
        return "updated"
    if state and state.starts_at == alert["startsAt"]:
        return "unchanged"  # a stale "firing" for an alert already resolved

    incident = Incident.objects.create(
        name=name,
        impact=COMPONENT_STATUS_IMPACT[new_status],
        status=IncidentStatus.INVESTIGATING,
        is_published=publish,
        started_at=alert["startsAt"],
    )
    incident.post_update(IncidentStatus.INVESTIGATING, body, {component: new_status})
    if severity in PAGING_SEVERITIES:
        from support.oncall.paging import page_monitoring_alert

        page_monitoring_alert(incident)
    AlertState.objects.update_or_create(
        fingerprint=alert["fingerprint"],
        defaults={
            "status": "firing",
            "severity": severity,
            "starts_at": alert["startsAt"],
            "component": component,
            "incident": incident,
        },
    )
    return "opened"


@method_decorator(
    ratelimit.limit(ratelimit.from_settings("token-alertmanager", "TOKEN_ENDPOINT_RATE_LIMIT")),
    name="dispatch",
)
class AlertmanagerWebhook(APIView):
    """Token-authenticated (so CSRF-exempt, as every DRF view without session auth)."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def post(self, request):
        token = token_for_request(request, Scope.ALERTMANAGER, Scope.ALERTMANAGER_PUBLISH)
        if token is None:
            return Response(
                {"detail": _("A valid bearer token is required.")},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="status"'},
            )
        payload = PayloadSerializer(data=request.data)
        if not payload.is_valid():
            return Response({"detail": _("Invalid payload."), "errors": payload.errors}, 400)
        alerts = payload.validated_data["alerts"]
        slugs = {alert["labels"].get("component", "") for alert in alerts}
        with transaction.atomic():
            # One payload at a time per token, so a retried delivery racing the first
            # one cannot open a second incident for the same fingerprint.
            ApiToken.objects.select_for_update().filter(pk=token.pk).exists()
            components = {c.slug: c for c in Component.objects.filter(slug__in=slugs)}
            publish = token.has_scope(Scope.ALERTMANAGER_PUBLISH)
            results = [apply_alert(alert, components, publish) for alert in alerts]
        return Response(
            {
                "results": [
                    {"fingerprint": a["fingerprint"], "result": r}
                    for a, r in zip(alerts, results, strict=True)
                ]
            }  # fmt: skip
        )
