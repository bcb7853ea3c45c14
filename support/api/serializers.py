"""What the API shows. Only public parts: internal notes and their files never appear."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Service
from portal.db import MAX_ID
from portal.net import absolute_url
from support.status.models import ComponentStatus, Incident, IncidentStatus
from support.tickets.models import Priority, Ticket


class PersonSerializer(serializers.Serializer):
    name = serializers.CharField(source="display_name")
    email = serializers.EmailField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        return absolute_url(
            reverse("api:ticket-attachment", args=[attachment.ticket.reference, attachment.pk])
        )


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    from_staff = serializers.BooleanField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)

    def get_author(self, message) -> str | None:
        return message.author.display_name if message.author else None


class TicketSerializer(serializers.Serializer):
    reference = serializers.CharField()
    url = serializers.SerializerMethodField(help_text="The ticket's page in the portal.")
    subject = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    category = serializers.SerializerMethodField(help_text="The category's slug.")
    service = serializers.SerializerMethodField(help_text="The service's id.")
    requester = PersonSerializer()
    fields = serializers.DictField(
        source="extra_fields", child=serializers.CharField(), help_text="Category details."
    )
    problem_started_at = serializers.DateTimeField(allow_null=True)
    what_was_tried = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(source="last_activity_at")
    first_response_due_at = serializers.DateTimeField(allow_null=True)
    resolution_due_at = serializers.DateTimeField(allow_null=True)
    solved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_url(self, ticket) -> str:
        return absolute_url(ticket.get_absolute_url())

    def get_category(self, ticket) -> str | None:
        return ticket.category.slug if ticket.category_id else None

    def get_service(self, ticket) -> int | None:
        return ticket.service_id


class TicketCreateSerializer(serializers.Serializer):
    """The web form's fields; the web form's rules check them."""

    category = serializers.SlugField(help_text="A category's slug, e.g. `website-down`.")
    priority = serializers.ChoiceField(choices=Priority.choices, default="P2")
    service = serializers.IntegerField(
        required=False, allow_null=True, max_value=MAX_ID, help_text="One of your services' ids."
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    problem_started_at = serializers.DateTimeField(required=False, allow_null=True)
    what_was_tried = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    cc = serializers.ListField(
        child=serializers.EmailField(),
        required=False,
        help_text="Colleagues to copy in (members of your organisation).",
    )
    fields = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=500),
        required=False,
        help_text='The category\'s questions, e.g. `{"url": "https://shop.example"}`.',
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Files (multipart/form-data requests only).",
    )


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="Files (multipart/form-data requests only).",
    )


class TicketFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    service = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    updated_since = serializers.DateTimeField(
        required=False, help_text="Only tickets with activity at or after this time."
    )


class ComponentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=ComponentStatus.choices)


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.ChoiceField(source="kind", choices=Service.Kind.choices)
    region = serializers.CharField(allow_blank=True)
    identifier = serializers.CharField(allow_blank=True)
    status = serializers.SerializerMethodField(
        help_text="The worst status of the components the service runs on."
    )
    components = ComponentSerializer(source="live_components", many=True)

    @extend_schema_field(serializers.ChoiceField(choices=ComponentStatus.choices))
    def get_status(self, service):
        order = list(ComponentStatus.values)
        statuses = [component.status for component in service.live_components]
        return max(statuses, key=order.index) if statuses else ComponentStatus.OPERATIONAL


class IncidentUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    body = serializers.CharField()
    display_at = serializers.DateTimeField()


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Incident.Kind.choices)
    name = serializers.CharField()
    impact = serializers.CharField()
    status = serializers.ChoiceField(choices=IncidentStatus.choices)
    started_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    scheduled_for = serializers.DateTimeField(allow_null=True)
    scheduled_until = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()
    components = ComponentSerializer(
        source="customer_components", many=True, help_text="Your affected components."
    )
    updates = IncidentUpdateSerializer(source="public_updates", many=True)

    def get_url(self, incident) -> str:
        return absolute_url(incident.get_absolute_url())


class ArticleResultSerializer(serializers.Serializer):
    title = serializers.CharField(source="translation.title")
    summary = serializers.CharField(source="translation.summary")
    language = serializers.CharField(source="translation.language")
    snippet = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, result) -> str:
        return absolute_url(result.article.get_absolute_url())


class SearchResultsSerializer(serializers.Serializer):
    query = serializers.CharField()
    results = ArticleResultSerializer(many=True)


class OrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField()


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    email = serializers.EmailField()
    name = serializers.CharField()
    language = serializers.CharField()
    time_zone = serializers.CharField()
    organization = OrganizationSerializer()
    role = serializers.CharField()
    token = TokenInfoSerializer()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    instance = serializers.CharField(required=False)
    errors = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()), required=False
    )
