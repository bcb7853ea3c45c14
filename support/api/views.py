"""Services, incidents, the knowledge base and the caller: read-only, scoped to the token's
organisation and person."""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from support.apitokens.models import Scope
from support.kb.search import clean_query, search
from support.status.models import Component, Incident, IncidentUpdate

from .base import ApiView
from .pagination import StartedCursorPagination
from .serializers import (
    IncidentSerializer,
    MeSerializer,
    SearchResultsSerializer,
    ServiceSerializer,
)

SERVICE_EXAMPLE = {
    "id": 12,
    "name": "Shop hosting",
    "type": "shared",
    "region": "Frankfurt (fra1)",
    "identifier": "web-4711",
    "status": "degraded_performance",
    "components": [
        {"id": 3, "name": "Shared hosting fra1", "status": "degraded_performance"},
        {"id": 7, "name": "DNS", "status": "operational"},
    ],
}
INCIDENT_EXAMPLE = {
    "id": 41,
    "kind": "incident",
    "name": "Slow responses in fra1",
    "impact": "minor",
    "status": "monitoring",
    "started_at": "2026-11-30T08:50:00Z",
    "resolved_at": None,
    "scheduled_for": None,
    "scheduled_until": None,
    "url": "https://support.example.com/status/incidents/41/",
    "components": [{"id": 3, "name": "Shared hosting fra1", "status": "degraded_performance"}],
    "updates": [
        {
            "status": "monitoring",
            "body": "A fix is in place; we are watching.",
            "display_at": "2026-11-30T09:30:00Z",
        }
    ],
}


def services_for(view):
    live = Component.objects.visible().order_by("pk")
    return view.organization.services.prefetch_related(
        Prefetch("status_components", queryset=live, to_attr="live_components")
    ).order_by("name", "pk")


class ServiceList(ApiView):
    required_scopes = {"GET": Scope.SERVICES_READ}
    serializer_class = ServiceSerializer
    pagination_class = None

    @extend_schema(
        operation_id="services_list",
        summary="Your organisation's services",
        description="Each with the live status of the status-page components it runs on.",
        responses={200: ServiceSerializer(many=True)},
        examples=[OpenApiExample("Services", value=[SERVICE_EXAMPLE], response_only=True)],
    )
    def get(self, request):
        return Response(ServiceSerializer(services_for(self), many=True).data)


class ServiceDetail(ApiView):
    required_scopes = {"GET": Scope.SERVICES_READ}
    serializer_class = ServiceSerializer

    @extend_schema(
        operation_id="services_retrieve",
        summary="A service and its live status",
        examples=[OpenApiExample("A service", value=SERVICE_EXAMPLE, response_only=True)],
    )
    def get(self, request, pk):
        return Response(ServiceSerializer(get_object_or_404(services_for(self), pk=pk)).data)


class IncidentFilterSerializer(serializers.Serializer):
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only what affects you now; false: only the rest.",
    )


class IncidentList(ApiView):
    required_scopes = {"GET": Scope.INCIDENTS_READ}
    serializer_class = IncidentSerializer
    pagination_class = StartedCursorPagination

    @extend_schema(
        operation_id="incidents_list",
        summary="Incidents and maintenance touching your services",
        description="Published incidents and maintenance windows on the components your "
        "services run on, newest first.",
        parameters=[IncidentFilterSerializer],
        responses={200: IncidentSerializer(many=True)},
        examples=[OpenApiExample("Incidents", value=INCIDENT_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        filters = IncidentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        organization = self.organization
        theirs = Component.objects.filter(services__organization=organization).distinct()
        updates = IncidentUpdate.objects.filter(display_at__lte=timezone.now()).order_by(
            "-display_at", "-pk"
        )
        incidents = (
            Incident.objects.published()
            .filter(pk__in=Incident.objects.filter(components__in=theirs).values("pk"))
            .prefetch_related(
                Prefetch("components", queryset=theirs, to_attr="customer_components"),
                Prefetch("updates", queryset=updates, to_attr="public_updates"),
            )
        )
        active = filters.validated_data.get("active")
        if active is not None:
            current = Q(pk__in=Incident.objects.active().values("pk"))
            incidents = incidents.filter(current if active else ~current)
        page = self.paginate_queryset(incidents)
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)


class KbSearch(ApiView):
    required_scopes = {"GET": Scope.KB_READ}
    serializer_class = SearchResultsSerializer
    pagination_class = None

    @extend_schema(
        operation_id="kb_search",
        summary="Search the knowledge base",
        description="Articles you may read that match, best first (at most 10).",
        parameters=[
            OpenApiParameter("q", str, required=True, description="What to look for."),
        ],
        examples=[
            OpenApiExample(
                "Results",
                value={
                    "query": "dns",
                    "results": [
                        {
                            "title": "Pointing your domain at us",
                            "summary": "Which DNS records to set.",
                            "language": "en",
                            "snippet": "Set an A record for …",
                            "url": "https://support.example.com/kb/domains/pointing-dns/",
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request):
        query = clean_query(request.query_params.get("q", ""))
        if not query:
            raise exceptions.ValidationError({"q": ["Say what to look for."]})
        results = search(request.user, query)
        return Response(SearchResultsSerializer({"query": query, "results": results}).data)


class Me(ApiView):
    serializer_class = MeSerializer

    @extend_schema(
        operation_id="me_retrieve",
        summary="Who the token acts as",
        examples=[
            OpenApiExample(
                "Me",
                value={
                    "email": "owner@acme.example",
                    "name": "Olivia Owner",
                    "language": "en",
                    "time_zone": "Europe/Berlin",
                    "organization": {"id": 1, "name": "Acme Corp", "tier": "enterprise"},
                    "role": "owner",
                    "token": {
                        "name": "Monitoring",
                        "scopes": ["tickets:read", "tickets:write"],
                        "expires_at": None,
                    },
                },
            )
        ],
    )
    def get(self, request):
        user = request.user
        return Response(
            MeSerializer(
                {
                    "email": user.email,
                    "name": user.display_name,
                    "language": user.language,
                    "time_zone": user.time_zone,
                    "organization": self.organization,
                    "role": self.membership.role,
                    "token": request.auth,
                }
            ).data
        )
