"""Provisioning for the billing system: staff-created tokens with the `provisioning` scope.
PUT is idempotent: the same request twice leaves the same state and answers the same."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts import provisioning
from accounts.models import Membership, Organization, Service
from support.apitokens.models import Scope

from . import problems
from .base import ApiView

ORG_ID = OpenApiParameter(
    "org_external_id", str, OpenApiParameter.PATH, description="The billing system's client id."
)
SERVICE_ID = OpenApiParameter(
    "service_external_id", str, OpenApiParameter.PATH, description="The billing system's id."
)
EXTERNAL_ID = r"[A-Za-z0-9._:\-]{1,100}"


class OrganizationPutSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    tier = serializers.ChoiceField(choices=Organization.Tier.choices)
    account_manager_email = serializers.EmailField(
        required=False, allow_null=True, help_text="A staff member's address."
    )


class ProvisionedOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    tier = serializers.ChoiceField(choices=Organization.Tier.choices)
    account_manager_email = serializers.EmailField(source="account_manager.email", allow_null=True)


class ServicePutSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=Service.Kind.choices)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    identifier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False, default=True)


class ProvisionedServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    type = serializers.ChoiceField(source="kind", choices=Service.Kind.choices)
    region = serializers.CharField()
    identifier = serializers.CharField()
    active = serializers.BooleanField(source="is_active")


class InvitationPostSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(
        choices=Membership.Role.choices, required=False, default=Membership.Role.OWNER
    )


class InvitationResultSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.CharField()
    state = serializers.ChoiceField(
        choices=["created", "invited", "member"],
        help_text="created: invitation sent now; invited: one was already pending (not sent "
        "again); member: the person is already in the organisation.",
    )


class ProvisioningView(ApiView):
    customer_only = False
    required_scopes = {"*": Scope.PROVISIONING}


class OrganizationPut(ProvisioningView):
    serializer_class = ProvisionedOrganizationSerializer

    @extend_schema(
        operation_id="provisioning_organizations_put",
        summary="Create or update an organisation",
        parameters=[ORG_ID],
        request=OrganizationPutSerializer,
        responses={200: ProvisionedOrganizationSerializer, 201: ProvisionedOrganizationSerializer},
        examples=[
            OpenApiExample(
                "Client 1042",
                value={
                    "name": "Acme Corp",
                    "tier": "enterprise",
                    "account_manager_email": "engineer@example.com",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Provisioned",
                value={
                    "id": 1,
                    "external_id": "1042",
                    "name": "Acme Corp",
                    "tier": "enterprise",
                    "account_manager_email": "engineer@example.com",
                },
                response_only=True,
            ),
        ],
    )
    def put(self, request, org_external_id):
        payload = OrganizationPutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            organization, created = provisioning.put_organization(
                org_external_id,
                name=data["name"],
                tier=data["tier"],
                account_manager_email=data.get("account_manager_email"),
            )
        except provisioning.ProvisioningError as error:
            raise problems.Invalid({error.field: [str(error)]}) from error
        return Response(
            ProvisionedOrganizationSerializer(organization).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ServicePut(ProvisioningView):
    serializer_class = ProvisionedServiceSerializer

    @extend_schema(
        operation_id="provisioning_services_put",
        summary="Create or update one of an organisation's services",
        parameters=[ORG_ID, SERVICE_ID],
        request=ServicePutSerializer,
        responses={200: ProvisionedServiceSerializer, 201: ProvisionedServiceSerializer},
        examples=[
            OpenApiExample(
                "Hosting package",
                value={
                    "name": "Shop hosting",
                    "type": "shared",
                    "region": "fra1",
                    "identifier": "web-4711",
                    "active": True,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Provisioned",
                value={
                    "id": 12,
                    "external_id": "svc-88",
                    "name": "Shop hosting",
                    "type": "shared",
                    "region": "fra1",
                    "identifier": "web-4711",
                    "active": True,
                },
                response_only=True,
            ),
        ],
    )
    def put(self, request, org_external_id, service_external_id):
        organization = get_object_or_404(Organization, external_id=org_external_id)
        payload = ServicePutSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        service, created = provisioning.put_service(
            organization,
            service_external_id,
            name=data["name"],
            kind=data["type"],
            region=data["region"],
            identifier=data["identifier"],
            active=data["active"],
        )
        return Response(
            ProvisionedServiceSerializer(service).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class InvitationPost(ProvisioningView):
    serializer_class = InvitationResultSerializer

    @extend_schema(
        operation_id="provisioning_invitations_create",
        summary="Invite the organisation's first owner",
        description="Sends an invitation email. Repeating it does not send a second one.",
        parameters=[ORG_ID],
        request=InvitationPostSerializer,
        responses={200: InvitationResultSerializer, 201: InvitationResultSerializer},
        examples=[
            OpenApiExample("Owner", value={"email": "it@acme.example"}, request_only=True),
            OpenApiExample(
                "Sent",
                value={"email": "it@acme.example", "role": "owner", "state": "created"},
                response_only=True,
            ),
        ],
    )
    def post(self, request, org_external_id):
        organization = get_object_or_404(Organization, external_id=org_external_id)
        payload = InvitationPostSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        invitation, state = provisioning.invite_owner(
            organization,
            data["email"],
            role=data["role"],
            invited_by=request.user if request.user.is_authenticated else None,
        )
        body = {
            "email": data["email"],
            "role": invitation.role if invitation else data["role"],
            "state": state,
        }
        return Response(
            InvitationResultSerializer(body).data,
            status=status.HTTP_201_CREATED if state == "created" else status.HTTP_200_OK,
        )
