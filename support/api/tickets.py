"""Tickets through the API: the same scoped queryset, the same form rules and the same
service functions as the web pages (support.tickets)."""

from django.db import IntegrityError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.models import User
from support.apitokens.models import Scope
from support.tickets import services
from support.tickets.downloads import download_response
from support.tickets.forms import CATEGORY_FIELDS, ReplyForm, TicketForm, extra_field_name
from support.tickets.models import Attachment, Category, Message, Ticket
from support.tickets.views import clean_query

from . import problems
from .base import ApiView, UploadView
from .pagination import CreatedCursorPagination
from .serializers import (
    MessageCreateSerializer,
    MessageSerializer,
    TicketCreateSerializer,
    TicketFilterSerializer,
    TicketSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (e.g. a UUID). Sending the same key again returns the "
    "ticket the first request opened instead of opening a second one.",
)
REFERENCE = OpenApiParameter(
    "reference", str, OpenApiParameter.PATH, description="The ticket's reference, e.g. K7F-3QX9."
)
TICKET_EXAMPLE = {
    "reference": "K7F-3QX9",
    "url": "https://support.example.com/tickets/K7F-3QX9/",
    "subject": "Shop is down",
    "description": "Our shop shows a 502 error since 09:10.",
    "status": "open",
    "priority": "P1",
    "category": "website-down",
    "service": 12,
    "requester": {"name": "Olivia Owner", "email": "owner@acme.example"},
    "fields": {"url": "https://shop.acme.example"},
    "problem_started_at": "2026-11-30T09:10:00Z",
    "what_was_tried": "Restarted PHP-FPM.",
    "created_at": "2026-11-30T09:12:00Z",
    "updated_at": "2026-11-30T09:20:00Z",
    "first_response_due_at": "2026-11-30T10:12:00Z",
    "resolution_due_at": "2026-11-30T17:12:00Z",
    "solved_at": None,
    "closed_at": None,
}
MESSAGE_EXAMPLE = {
    "id": 345,
    "author": "Alex Agent",
    "from_staff": True,
    "body": "We are restarting the web server now.",
    "created_at": "2026-11-30T09:20:00Z",
    "attachments": [
        {
            "id": 9,
            "name": "error.png",
            "size": 48213,
            "content_type": "image/png",
            "url": "https://support.example.com/api/v1/tickets/K7F-3QX9/attachments/9/",
        }
    ],
}


def tickets_for(view):
    return Ticket.objects.visible_to(view.request.user, view.membership).select_related(
        "category", "requester"
    )


def get_ticket(view, reference):
    return get_object_or_404(tickets_for(view), reference=clean_query(reference).upper())


def public_messages(ticket):
    return (
        Message.objects.filter(ticket=ticket, internal=False)
        .select_related("author")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.select_related("ticket").order_by("pk"),
            )
        )
        .order_by("created_at", "pk")
    )


def uploaded_files(request):
    return request.FILES.getlist("attachments") if hasattr(request.FILES, "getlist") else []


def form_errors(form, names=None):
    """A Django form's errors under the API's field names."""
    names = names or {}
    return {
        names.get(field, field): [str(message) for message in messages]
        for field, messages in form.errors.items()
    }


class TicketList(UploadView):
    required_scopes = {"GET": Scope.TICKETS_READ, "POST": Scope.TICKETS_WRITE}
    pagination_class = CreatedCursorPagination
    serializer_class = TicketSerializer

    @extend_schema(
        operation_id="tickets_list",
        summary="List tickets",
        description="The tickets you may see, newest first: owners and admins all of the "
        "organisation's, members their own and those they are copied in on.",
        parameters=[TicketFilterSerializer],
        responses={200: TicketSerializer(many=True)},
        examples=[OpenApiExample("A page of tickets", value=TICKET_EXAMPLE, response_only=True)],
    )
    def get(self, request):
        filters = TicketFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        tickets = tickets_for(self)
        wanted = filters.validated_data
        if "status" in wanted:
            tickets = tickets.filter(status=wanted["status"])
        if "priority" in wanted:
            tickets = tickets.filter(priority=wanted["priority"])
        if "service" in wanted:
            tickets = tickets.filter(service_id=wanted["service"])
        if "updated_since" in wanted:
            tickets = tickets.filter(last_activity_at__gte=wanted["updated_since"])
        page = self.paginate_queryset(tickets)
        return self.get_paginated_response(TicketSerializer(page, many=True).data)

    @extend_schema(
        operation_id="tickets_create",
        summary="Open a ticket",
        description="The web form's fields and rules. JSON, or multipart/form-data with "
        "`attachments` files (then category questions as `fields.url=…` and `cc` repeated).",
        parameters=[IDEMPOTENCY_HEADER],
        request={
            "application/json": TicketCreateSerializer,
            "multipart/form-data": TicketCreateSerializer,
        },
        responses={201: TicketSerializer},
        examples=[
            OpenApiExample(
                "Website down",
                value={
                    "category": "website-down",
                    "priority": "P1",
                    "service": 12,
                    "subject": "Shop is down",
                    "description": "Our shop shows a 502 error since 09:10.",
                    "fields": {"url": "https://shop.acme.example"},
                },
                request_only=True,
            ),
            OpenApiExample("Opened", value=TICKET_EXAMPLE, response_only=True, status_codes=[201]),
        ],
    )
    def post(self, request):
        payload = TicketCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 255:
            raise problems.Invalid({"Idempotency-Key": [_("At most 255 characters.")]})
        form_token = services.submission_token(request.user, "api", key)
        if form_token:
            existing = tickets_for(self).filter(form_token=form_token).first()
            if existing:
                return self.replay(existing, data)
        form = self.ticket_form(data, uploaded_files(request))
        if not form.is_valid():
            names = {
                extra_field_name(data["category"], k): f"fields/{k}" for k in data.get("fields", {})
            }
            raise problems.Invalid(form_errors(form, names))
        try:
            ticket = services.open_ticket(
                organization=self.organization,
                requester=request.user,
                form_token=form_token,
                **form.ticket_fields(),
            )
        except IntegrityError:
            existing = form_token and tickets_for(self).filter(form_token=form_token).first()
            if existing:
                return self.replay(existing, data)
            raise
        except services.TicketError as error:
            raise problems.Conflict(str(error)) from error
        ticket = tickets_for(self).get(pk=ticket.pk)
        return Response(TicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    def replay(self, ticket, data):
        if (ticket.subject, ticket.description) != (data["subject"], data["description"]):
            raise problems.Conflict(_("This Idempotency-Key was used for a different request."))
        return Response(
            TicketSerializer(ticket).data,
            status=status.HTTP_201_CREATED,
            headers={"Idempotent-Replayed": "true"},
        )

    def ticket_form(self, data, files):
        category = Category.objects.filter(slug=data["category"], is_active=True).first()
        if category is None:
            raise problems.Invalid({"category": [_("No category has this slug.")]})
        emails = data.get("cc", [])
        colleagues = list(
            User.objects.filter(
                email__in=emails, memberships__organization=self.organization
            ).values_list("pk", flat=True)
        )
        if len(colleagues) < len(set(emails)):
            raise problems.Invalid(
                {"cc": [_("Only members of your organisation can be copied in.")]}
            )
        values = {
            "category": category.pk if category else "",
            "priority": data["priority"],
            "service": data.get("service") or "",
            "subject": data["subject"],
            "description": data["description"],
            "problem_started_at": (
                data["problem_started_at"].isoformat() if data.get("problem_started_at") else ""
            ),
            "what_was_tried": data.get("what_was_tried", ""),
            "form_token": "",
            "follow_up": "",
        }
        known = {key for key, _label, _kind in CATEGORY_FIELDS.get(category.slug, [])}
        unknown = sorted(set(data.get("fields", {})) - known)
        if unknown:
            no_such = [_("This category has no such field.")]
            raise problems.Invalid({f"fields/{key}": no_such for key in unknown})
        for key, value in data.get("fields", {}).items():
            values[extra_field_name(data["category"], key)] = value
        form_data = MultiValueDict({key: [value] for key, value in values.items()})
        form_data.setlist("cc", [str(pk) for pk in colleagues])
        return TicketForm(
            form_data,
            MultiValueDict({"attachments": files}),
            organization=self.organization,
            user=self.request.user,
        )


class TicketDetail(ApiView):
    required_scopes = {"GET": Scope.TICKETS_READ}
    serializer_class = TicketSerializer

    @extend_schema(
        operation_id="tickets_retrieve",
        summary="A ticket",
        parameters=[REFERENCE],
        examples=[OpenApiExample("A ticket", value=TICKET_EXAMPLE, response_only=True)],
    )
    def get(self, request, reference):
        return Response(TicketSerializer(get_ticket(self, reference)).data)


class TicketMessages(UploadView):
    required_scopes = {"GET": Scope.TICKETS_READ, "POST": Scope.TICKETS_WRITE}
    serializer_class = MessageSerializer
    pagination_class = None

    @extend_schema(
        operation_id="tickets_messages_list",
        summary="The ticket's conversation",
        description="Public messages only, oldest first; staff's internal notes never appear.",
        parameters=[REFERENCE],
        responses={200: MessageSerializer(many=True)},
        examples=[OpenApiExample("Messages", value=[MESSAGE_EXAMPLE], response_only=True)],
    )
    def get(self, request, reference):
        ticket = get_ticket(self, reference)
        return Response(MessageSerializer(public_messages(ticket), many=True).data)

    @extend_schema(
        operation_id="tickets_messages_create",
        summary="Reply",
        description="Adds your reply; a pending or solved ticket opens again. JSON, or "
        "multipart/form-data with `attachments` files.",
        parameters=[REFERENCE],
        request={
            "application/json": MessageCreateSerializer,
            "multipart/form-data": MessageCreateSerializer,
        },
        responses={201: MessageSerializer},
        examples=[
            OpenApiExample(
                "Reply",
                value={"body": "It works again, thank you!"},
                request_only=True,
            ),
            OpenApiExample("Added", value=MESSAGE_EXAMPLE, response_only=True, status_codes=[201]),
        ],
    )
    def post(self, request, reference):
        ticket = get_ticket(self, reference)
        payload = MessageCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        form = ReplyForm(
            {"body": payload.validated_data["body"]},
            MultiValueDict({"attachments": uploaded_files(request)}),
        )
        if not form.is_valid():
            raise problems.Invalid(form_errors(form))
        if ticket.status == Ticket.Status.CLOSED:
            raise problems.Conflict(_("This ticket is closed. Open a follow-up ticket instead."))
        try:
            message = services.add_reply(
                ticket,
                author=request.user,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except services.TicketError as error:
            raise problems.Conflict(str(error)) from error
        message = public_messages(ticket).get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class TicketSolve(ApiView):
    required_scopes = {"POST": Scope.TICKETS_WRITE}
    serializer_class = TicketSerializer

    @extend_schema(
        operation_id="tickets_solve",
        summary="Mark solved",
        parameters=[REFERENCE],
        request=None,
        responses={200: TicketSerializer},
        examples=[OpenApiExample("Solved", value={**TICKET_EXAMPLE, "status": "solved"})],
    )
    def post(self, request, reference):
        ticket = get_ticket(self, reference)
        if ticket.status not in Ticket.ACTIVE_STATES:
            raise problems.Conflict(_("This ticket is already solved or closed."))
        services.change_status(ticket, Ticket.Status.SOLVED, by=request.user)
        return Response(TicketSerializer(get_ticket(self, reference)).data)


class TicketReopen(ApiView):
    required_scopes = {"POST": Scope.TICKETS_WRITE}
    serializer_class = TicketSerializer

    @extend_schema(
        operation_id="tickets_reopen",
        summary="Reopen a solved ticket",
        parameters=[REFERENCE],
        request=None,
        responses={200: TicketSerializer},
        examples=[OpenApiExample("Open again", value={**TICKET_EXAMPLE, "status": "open"})],
    )
    def post(self, request, reference):
        ticket = get_ticket(self, reference)
        if not ticket.can_reopen:
            raise problems.Conflict(
                _("Only solved tickets can be reopened. Open a follow-up ticket instead.")
            )
        services.change_status(ticket, Ticket.Status.OPEN, by=request.user)
        return Response(TicketSerializer(get_ticket(self, reference)).data)


class TicketAttachment(ApiView):
    required_scopes = {"GET": Scope.TICKETS_READ}

    @extend_schema(
        operation_id="tickets_attachments_retrieve",
        summary="Download an attachment",
        parameters=[REFERENCE],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file."
            )
        },
    )
    def get(self, request, reference, pk):
        ticket = get_ticket(self, reference)
        attachment = (
            Attachment.objects.filter(ticket=ticket, pk=pk).exclude(message__internal=True).first()
        )
        if attachment is None:
            raise exceptions.NotFound
        try:
            return download_response(attachment)
        except Http404:
            raise exceptions.NotFound from None
