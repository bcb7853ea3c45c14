import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.decorators import organization_required
from accounts.models import Membership, User
from portal.kept_sql import KeptQuery
from support.kb.feedback import (
    record_ticket_submitted_after_suggestion,
    ticket_category_slug_for_article,
)
from support.status.models import active_notices_for
from support.status.service_pages import get_service_for_user, visible_services

from . import services
from .downloads import download_response
from .forms import CATEGORY_FIELDS, ReplyForm, TicketForm, UrgencyForm
from .models import Attachment, Message, Ticket, TimelineEvent

PAGE_SIZE = 25
STATE_FILTERS = {
    "open": [Ticket.Status.NEW, Ticket.Status.OPEN],
    "waiting": [Ticket.Status.PENDING],
    "solved": [Ticket.Status.SOLVED],
    "closed": [Ticket.Status.CLOSED],
}


def clean_query(value):
    return str(value or "").replace("\x00", "").strip()[:200]


def visible_tickets(request):
    return Ticket.objects.visible_to(request.user, request.membership)


def get_ticket(request, reference):
    """The ticket, if the person may see it, else 404. Its organisation is the request's
    (the scope it was found in); the links a ticket seldom has (incident, service, follow-up,
    merge) are read only when set: a nine-table join costs PostgreSQL more to plan than to
    run, and Django more to write."""
    membership = request.membership
    if membership is None or membership.user_id != request.user.pk:
        raise Http404  # visible_tickets shows nothing to such a person
    found = ticket_seen_as(
        membership.role,
        membership.organization_id,
        request.user.pk,
        clean_query(reference).upper(),
    )
    if not found:
        raise Http404
    ticket = found[0]
    ticket.organization = request.organization
    return ticket


@functools.partial(KeptQuery, shaping=1)
def ticket_seen_as(role, organization_id, user_id, reference):
    """The ticket `reference` if a customer with `role` in the organisation may see it (the
    rule is access.py's), with what its page shows."""
    membership = Membership(role=role, organization_id=organization_id, user_id=user_id)
    return (
        Ticket.objects.visible_to(User(pk=user_id), membership)
        .select_related("category", "assignee", "requester")
        .defer("search_vector")
        .order_by()
        .filter(reference=reference)
    )


@organization_required
def ticket_list(request):
    tickets = (
        visible_tickets(request)
        .select_related("category", "service", "assignee", "requester")
        .for_lists()
    )
    service = None
    if request.GET.get("service"):
        service = get_service_for_user(request, request.GET["service"])
        tickets = tickets.filter(service=service)
    state = request.GET.get("state", "")
    if state in STATE_FILTERS:
        tickets = tickets.filter(status__in=STATE_FILTERS[state])
    query = clean_query(request.GET.get("q"))
    if query:
        public_text = Message.objects.filter(
            ticket=OuterRef("pk"), internal=False, body__icontains=query
        )
        tickets = tickets.filter(
            Q(reference__iexact=query) | Q(subject__icontains=query) | Exists(public_text)
        )
    page = Paginator(tickets.order_by("-last_activity_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tickets/list.html",
        {
            "page": page,
            "state": state,
            "query": query,
            "states": state_choices(),
            "service": service,
        },
    )


def state_choices():
    return [
        ("", _("All")),
        ("open", _("Open")),
        ("waiting", _("Waiting on you")),
        ("solved", _("Solved")),
        ("closed", _("Closed")),
    ]


@organization_required
def ticket_new(request):
    organization = request.organization
    initial = {}
    if request.method == "GET":
        category = request.GET.get("category")
        article = request.GET.get("article")
        if article and not category:
            category = ticket_category_slug_for_article(request.user, clean_query(article))
        if category:
            initial["category"] = _category_by_slug(clean_query(category))
        service_id = request.GET.get("service", "")
        if service_id.isdigit():
            active = visible_services(request).filter(is_active=True)
            initial["service"] = active.filter(pk=int(service_id)).first()
        follow_up = _follow_up_source(request, request.GET.get("follow_up"))
        if follow_up:
            initial["follow_up"] = follow_up.reference
            subject = _("Follow-up to %(reference)s: %(subject)s") % {
                "reference": follow_up.reference,
                "subject": follow_up.subject,
            }
            initial["subject"] = subject[:200]
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        organization=organization,
        user=request.user,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            token = services.submission_token(request.user, "web", data["form_token"])
            try:  # a form sent twice: the second time finds the ticket by its token
                ticket = services.open_ticket(
                    organization=organization,
                    requester=request.user,
                    form_token=token,
                    follow_up_of=_follow_up_source(request, data["follow_up"]),
                    **form.ticket_fields(),
                )
            except IntegrityError:
                existing = _ticket_for_token(request, token)
                if existing:
                    return redirect(existing)
                raise
            record_ticket_submitted_after_suggestion(request)
            messages.success(
                request,
                _("Ticket %(reference)s is open. We have emailed you a confirmation.")
                % {"reference": ticket.reference},
            )
            return redirect(ticket)
        messages.error(request, _("Please correct the marked fields."))
    return render(
        request,
        "tickets/new.html",
        {
            "form": form,
            "files_lost": request.method == "POST" and bool(request.FILES),
            "known_issues": active_notices_for(organization),
        },
    )


def _category_by_slug(slug):
    from .models import Category

    return Category.objects.filter(slug=slug, is_active=True).first()


def _ticket_for_token(request, token):
    if not token:
        return None
    return visible_tickets(request).filter(form_token=token, requester=request.user).first()


def _follow_up_source(request, reference):
    reference = clean_query(reference).upper()
    if not reference:
        return None
    return visible_tickets(request).filter(reference=reference).first()


@organization_required
def ticket_detail(request, reference, reply_form=None, urgency_form=None, status=200):
    ticket = get_ticket(request, reference)
    conversation = public_conversation(ticket)
    return render(
        request,
        "tickets/detail.html",
        {
            "ticket": ticket,
            "conversation": conversation,
            "timeline": public_timeline(ticket.pk),
            "cc": copied_in(ticket.pk),
            "extra_fields": extra_field_labels(ticket),
            "reply_form": reply_form or ReplyForm(),
            "urgency_form": urgency_form or UrgencyForm(),
            "can_ask_urgency": ticket.status in Ticket.ACTIVE_STATES,
        },
        status=status,
    )


def extra_field_labels(ticket):
    labels = {
        key: label
        for key, label, _kind in CATEGORY_FIELDS.get(getattr(ticket.category, "slug", ""), [])
    }
    return [(labels.get(key, key), value) for key, value in (ticket.extra_fields or {}).items()]


def public_conversation(ticket):
    """The public messages with their authors and attachments (three queries, however many);
    each attachment knows its ticket, for its address."""
    messages_ = public_messages(ticket.pk)
    for message in messages_:
        message.ticket = ticket
        for attachment in message.attachments.all():
            attachment.ticket = ticket
    return messages_


@KeptQuery
def public_messages(ticket_id):
    return (
        Message.objects.filter(ticket_id=ticket_id, internal=False)
        .for_conversation()
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    )


@KeptQuery
def public_timeline(ticket_id):
    return TimelineEvent.objects.filter(
        ticket_id=ticket_id, kind__in=TimelineEvent.PUBLIC_KINDS
    ).select_related("actor")


@KeptQuery
def copied_in(ticket_id):
    return User.objects.filter(copied_tickets=ticket_id)


@organization_required
def ticket_data(request, reference):
    """The ticket as JSON for scripts and integrations: the same public view as the page."""
    ticket = get_ticket(request, reference)
    messages_ = [
        {
            "author": message.author.display_name if message.author else None,
            "from_staff": message.from_staff,
            "body": message.body,
            "created_at": message.created_at.isoformat(),
            "attachments": [
                {"name": item.name, "size": item.size, "url": item.get_absolute_url()}
                for item in message.attachments.all()
            ],
        }
        for message in public_conversation(ticket)
    ]
    timeline = ticket.events.filter(kind__in=TimelineEvent.PUBLIC_KINDS).select_related("actor")
    return JsonResponse(
        {
            "reference": ticket.reference,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "handled_by": ticket.assignee.display_name if ticket.assignee else None,
            "first_response_due_at": ticket.first_response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
            "messages": messages_,
            "timeline": [
                {"at": event.created_at.isoformat(), "what": event.describe_for_customer()}
                for event in timeline
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_POST
@organization_required
def ticket_reply(request, reference):
    ticket = get_ticket(request, reference)
    form = ReplyForm(request.POST, request.FILES)
    if ticket.status == Ticket.Status.CLOSED:
        messages.error(request, _("This ticket is closed. Open a follow-up ticket instead."))
        return redirect(ticket)
    if not form.is_valid():
        messages.error(request, _("Your reply was not sent: please correct the marked fields."))
        return ticket_detail(request, reference, reply_form=form, status=400)
    services.add_reply(
        ticket,
        author=request.user,
        body=form.cleaned_data["body"],
        attachments=form.cleaned_data["attachments"],
    )
    messages.success(request, _("Your reply has been added."))
    return redirect(ticket)


@require_POST
@organization_required
def ticket_solve(request, reference):
    ticket = get_ticket(request, reference)
    if ticket.status in Ticket.ACTIVE_STATES:
        services.change_status(ticket, Ticket.Status.SOLVED, by=request.user)
        messages.success(
            request, _("Marked as solved. Reply or reopen if anything is still wrong.")
        )
    else:
        messages.info(request, _("This ticket is already solved or closed."))
    return redirect(ticket)


@require_POST
@organization_required
def ticket_reopen(request, reference):
    ticket = get_ticket(request, reference)
    if ticket.can_reopen:
        services.change_status(ticket, Ticket.Status.OPEN, by=request.user)
        messages.success(request, _("The ticket is open again."))
    else:
        messages.error(
            request, _("Only solved tickets can be reopened. Open a follow-up ticket instead.")
        )
    return redirect(ticket)


@require_POST
@organization_required
def ticket_urgent(request, reference):
    ticket = get_ticket(request, reference)
    form = UrgencyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Tell us why it is more urgent."))
        return ticket_detail(request, reference, urgency_form=form, status=400)
    try:
        services.request_urgency(ticket, by=request.user, reason=form.cleaned_data["reason"])
    except services.UrgencyLimitReached:
        messages.error(
            request,
            _("You have already asked several times today. Please add a reply instead."),
        )
    except services.TicketError:
        messages.error(request, _("Only open tickets can be made more urgent."))
    else:
        messages.success(request, _("Thank you. Our team has been alerted."))
    return redirect(ticket)


@organization_required
def attachment_download(request, reference, pk, name):
    ticket = get_ticket(request, reference)
    attachment = (
        Attachment.objects.filter(ticket=ticket, pk=pk).exclude(message__internal=True).first()
    )
    if attachment is None:
        raise Http404
    return download_response(attachment)


def dashboard_panel(request):
    """Open tickets of the current organisation on the dashboard."""
    if request.organization is None or request.membership is None:
        return None
    visible = visible_tickets(request)
    waiting = visible.waiting_on_customer().by_urgency()
    in_progress = visible.in_our_hands().by_urgency()
    open_tickets = list(in_progress[:5])
    return {
        "template": "tickets/_dashboard_panel.html",
        "waiting": list(waiting[:10]),
        "tickets": open_tickets,
        "open_count": in_progress.count() if len(open_tickets) == 5 else len(open_tickets),
        "recent": list(
            visible.exclude(status__in=Ticket.ACTIVE_STATES).order_by("-last_activity_at")[:3]
        ),
    }
