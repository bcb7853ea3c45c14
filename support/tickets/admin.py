"""The back office for tickets: the queue, the ticket page with conversation and reply box."""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Paginator
from django.db.models import BLANK_CHOICE_DASH, Exists, F, OuterRef, Q
from django.db.models.functions import JSONObject
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.admin import checkbox as unfold_checkbox
from unfold.forms import ActionForm
from unfold.views import ChangeList

from accounts.models import Membership, User
from portal.dates import format_datetime, format_relative, kept_per_locale
from portal.kept_sql import KeptQuery
from portal.markdown import render_markdown
from portal.templatetags.words import list_separator
from support.oncall import paging
from support.oncall.admin import oncall_summary

from . import presence, queues, services
from .cache import ticket_page
from .calendars import load_public_holidays
from .context import customer_context
from .downloads import download_response
from .forms import AttachmentsField, PlainChoiceIterator
from .models import (
    Attachment,
    BusinessCalendar,
    Category,
    Holiday,
    Macro,
    Message,
    Priority,
    SlaPolicy,
    Team,
    Ticket,
    TimelineEvent,
)
from .search import search_tickets_counted, using_postgres
from .templatetags.tickets_tags import sla_left


@kept_per_locale
def row_checkbox():
    return unfold_checkbox.render(ACTION_CHECKBOX_NAME, "__pk__")


@kept_per_locale
def _choice_labels(model, field_name):
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_label(obj, field_name):
    """`get_FOO_display()` from labels worked out once per language: Django's hashes the
    field's lazy choices on every call, a tenth of a queue's rendering time."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name).get(value, value)


class TicketChangeList(ChangeList):
    """The queue's rows without the long text it never shows."""

    def get_results(self, request):
        self.queryset = self.queryset.for_lists()
        super().get_results(request)
        # A search that found more than it lists says so (the template's note).
        self.search_found = getattr(request, "_bo_search_count", None)  # None: not counted
        self.search_limited = getattr(request, "_bo_search_more", False)
        self.search_limit = SEARCH_LIST_LIMIT


SEARCH_LIST_LIMIT = 300  # the newest matches a search lists (ten pages), as Freshdesk caps a search


def searched_alone(request):
    """A search with nothing else narrowing it (a page or a column's order aside)."""
    return set(request.GET) <= {"q", "p", "o"} or (
        set(request.GET) <= {"q", "p", "o", "view"} and request.GET["view"] == "all"
    )


class KnownCountPaginator(Paginator):
    def __init__(self, count, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if count is not None:
            self.__dict__["count"] = count  # Paginator.count is a cached_property


class SearchPaginator(KnownCountPaginator):
    """Search results: the page's ids are sorted among the matches alone (a narrow query
    on the ticket table), and only those rows are joined with their organisation,
    assignee and team, instead of joining every match before sorting."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        matches = self.object_list
        window = matches.values("pk")[bottom : bottom + self.per_page]
        # The page's rows: what the list selects and its order, without searching again.
        rows = matches.model._default_manager.filter(pk__in=window)
        rows.query.select_related = matches.query.select_related
        rows.query.deferred_loading = matches.query.deferred_loading
        rows = rows.order_by(*matches.query.order_by)
        return self._get_page(rows, number, self)


SLA_LABELS = {
    "breached": _("breached"),
    "at_risk": _("at risk"),
    "on_track": _("on track"),
}


@kept_per_locale
def sla_label(state):
    return str(SLA_LABELS[state])


class QueueFilter(admin.SimpleListFilter):
    """The saved views: the list opens on open work; a search looks through every ticket."""

    title = _("view")
    parameter_name = "view"

    def __init__(self, request, params, model, model_admin):
        self.user = request.user
        self.searching = bool(request.GET.get("q", "").strip())
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(view.slug, view.label) for view in queues.VIEWS + queues.HIDDEN_VIEWS]

    def current(self):
        value = self.value()
        if value in queues.VIEWS_BY_SLUG:
            return value
        return "all" if self.searching else queues.DEFAULT_VIEW

    def queryset(self, request, queryset):
        view = queues.VIEWS_BY_SLUG[self.current()]
        return queryset.filter(view.condition(self.user, timezone.now()))

    def choices(self, changelist):
        current = self.current()
        for slug, label in self.lookup_choices:
            yield {
                "selected": slug == current,
                "query_string": changelist.get_query_string({self.parameter_name: slug}),
                "display": label,
            }


class AssignedFilter(admin.SimpleListFilter):
    title = _("assignee")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("Assigned to me")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assignee=request.user)
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


class SlaFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("at_risk", _("At risk")), ("breached", _("Breached")), ("on_track", _("On track"))]

    def queryset(self, request, queryset):
        conditions = {
            "breached": queues.breached,
            "at_risk": queues.at_risk,
            "on_track": queues.on_track,
        }
        if self.value() in conditions:
            return queryset.filter(conditions[self.value()](timezone.now()))
        return queryset


class TierFilter(admin.SimpleListFilter):
    title = _("organisation tier")
    parameter_name = "org_tier"

    def lookups(self, request, model_admin):
        from accounts.models import Organization

        return Organization.Tier.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(organization__tier=self.value())
        return queryset


class KeptChoicesFilter(admin.RelatedFieldListFilter):
    """A filter by category or team whose choices are read once per language and kept until
    a category or team changes (portal.backoffice.fragments), instead of a query a page."""

    def field_choices(self, field, request, model_admin):
        from portal.backoffice import fragments

        def read():
            return super(KeptChoicesFilter, self).field_choices(field, request, model_admin)

        return fragments.cached(f"choices:{field.name}:{get_language()}", read)


def _shown_for(action):
    """Alpine (unfold's) shows the field only with its action chosen."""
    return {"x-show": f"action == '{action}'", "aria-label": ""}


class TicketActionForm(ActionForm):
    """Values for the bulk actions; each field shows with its own action."""

    target_reference = forms.CharField(
        label="", required=False, max_length=12, widget=forms.TextInput()
    )
    # An empty first choice: Run without choosing changes nothing (P0 would page on-call).
    new_priority = forms.ChoiceField(
        label="", required=False, choices=[*BLANK_CHOICE_DASH, *Priority.choices]
    )
    new_status = forms.ChoiceField(label="", required=False)
    new_assignee = forms.ModelChoiceField(label="", required=False, queryset=None)
    new_team = forms.ModelChoiceField(label="", required=False, queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        self.fields["new_status"].choices = [*BLANK_CHOICE_DASH, *STATUS_CHOICES]
        self.fields["new_assignee"].queryset = get_user_model().objects.filter(
            is_staff=True, is_active=True
        )
        self.fields["new_team"].queryset = Team.objects.all()
        for name, action, label in [
            ("target_reference", "merge_into", _("Reference of the ticket to merge into")),
            ("new_priority", "set_priority", _("New priority")),
            ("new_status", "set_status", _("New status")),
            ("new_assignee", "assign_to", _("Assignee")),
            ("new_team", "move_to_team", _("Team")),
        ]:
            attrs = self.fields[name].widget.attrs
            attrs.update(_shown_for(action), **{"aria-label": label, "class": "bo-action-field"})
            if name == "target_reference":
                attrs["placeholder"] = label


STATUS_CHOICES = [
    (Ticket.Status.OPEN, _("Open")),
    (Ticket.Status.PENDING, _("Waiting on customer")),
    (Ticket.Status.SOLVED, _("Solved")),
]


def kept_choices(field):
    """A dropdown's choices as its field draws them; incidents: the open ones only."""
    queryset = field.queryset
    if queryset.model._meta.label == "status.Incident":
        queryset = queryset.filter(resolved_at__isnull=True)
    choices = [] if field.empty_label is None else [("", str(field.empty_label))]
    return choices + [(str(obj.pk), str(field.label_from_instance(obj))) for obj in queryset]


def copied_in_members(ticket):
    """The requester's colleagues, each marked if copied in, in one query; the ticket's own
    list of copied-in people is set from it (those who left the organisation aren't shown
    either way), so showing the form asks nothing more."""
    members = colleagues_marked_if_copied(ticket.organization_id, ticket.requester_id, ticket.pk)
    cc = ticket.cc.all()
    cc._result_cache, cc._prefetch_done = [person for person in members if person.copied], True
    ticket._prefetched_objects_cache = {
        **getattr(ticket, "_prefetched_objects_cache", {}),
        "cc": cc,
    }
    return members


@KeptQuery
def colleagues_marked_if_copied(organization_id, requester_id, ticket_id):
    copied = Ticket.cc.through.objects.filter(ticket_id=ticket_id, user_id=OuterRef("pk"))
    return (
        User.objects.filter(organizations=organization_id)
        .exclude(pk=requester_id)
        .annotate(copied=Exists(copied))
    )


def conversation_of(ticket):
    """The ticket's messages with their authors, each with its attachments as `files`
    ({"pk", "name", "size"}, what the page shows of them), in one query on PostgreSQL."""
    if using_postgres():
        messages_ = messages_with_files(ticket.pk)
    else:  # no arrays of rows: the attachments in a second query
        messages_ = list(
            Message.objects.filter(ticket_id=ticket.pk)
            .for_conversation()
            .prefetch_related("attachments")
        )
        for message in messages_:
            message.files = [
                {"pk": file.pk, "name": file.name, "size": file.size}
                for file in message.attachments.all()
            ]
    for message in messages_:
        message.ticket = ticket
    return messages_


@KeptQuery
def messages_with_files(ticket_id):
    files = Attachment.objects.filter(message_id=OuterRef("pk")).values(
        entry=JSONObject(pk="pk", name="name", size="size")
    )
    return (
        Message.objects.filter(ticket_id=ticket_id)
        .for_conversation()
        .annotate(files=ArraySubquery(files))
    )


# What the timeline shows of each entry, read with the ticket (TicketAdmin.get_object).
TIMELINE_ENTRIES = (
    TimelineEvent.objects.filter(ticket_id=OuterRef("pk"))
    .order_by(*TimelineEvent._meta.ordering)
    .values(
        entry=JSONObject(
            pk="pk",
            kind="kind",
            data="data",
            created_at="created_at",
            actor_id="actor_id",
            actor_name="actor__full_name",
            actor_email="actor__email",
        )
    )
)


def ticket_page_tickets():
    """Only what the page shows beside the ticket's own fields: PostgreSQL spends longer
    planning each further join (the tickets table has many indexes) than reading a row; the
    page needs no other related row (a merge or an incident link is read if set)."""
    return Ticket.objects.select_related("organization__account_manager", "requester").defer(
        "search_vector"
    )


@KeptQuery
def ticket_with_timeline(ticket_id):
    return (
        ticket_page_tickets()
        .annotate(timeline_entries=ArraySubquery(TIMELINE_ENTRIES))
        .filter(pk=ticket_id)
    )


def timeline_of(ticket):
    """The ticket's timeline entries with their actors (the names describe() and the page
    show), from what get_object read with the ticket, else in a query of their own."""
    entries = getattr(ticket, "timeline_entries", None)
    if entries is None:
        return list(ticket.events.select_related("actor"))
    timeline = []
    for entry in entries:
        actor = None
        if entry["actor_id"] is not None:
            actor = User(
                pk=entry["actor_id"], full_name=entry["actor_name"], email=entry["actor_email"]
            )
        timeline.append(
            TimelineEvent(
                pk=entry["pk"],
                ticket_id=ticket.pk,
                kind=entry["kind"],
                data=entry["data"],
                created_at=parse_datetime(entry["created_at"]),
                actor_id=entry["actor_id"],
                actor=actor,
            )
        )
    return timeline


class TicketChangeForm(forms.ModelForm):
    """The ticket page: a reply box (Send reply / Add internal note, then set status to…) and
    the ticket's properties. Nothing here writes: the admin hands the values to services."""

    after_status = forms.ChoiceField(
        label=_("Then set status to"),
        choices=[("", _("Keep (a first reply moves a new ticket to Open)"))] + STATUS_CHOICES,
        required=False,
    )
    macro = forms.ModelChoiceField(
        label=_("Canned response"),
        queryset=Macro.objects.all(),
        required=False,
        help_text=_("Previewed below; inserted before your text when sent."),
    )
    reply_body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 7}), required=False
    )
    reply_attachments = AttachmentsField(label=_("Attachments"))
    priority_reason = forms.CharField(label=_("Reason for a priority change"), required=False)
    last_seen_message = forms.IntegerField(widget=forms.HiddenInput, required=False)
    send_anyway = forms.BooleanField(
        label=_("Send anyway: I have read the reply above"), required=False
    )

    class Meta:
        model = Ticket
        fields = ["priority", "assignee", "team", "category", "service", "incident", "cc"]

    def __init__(self, *args, user=None, services=None, kept_choices=False, **kwargs):
        members = None
        if kept_choices and not (args or kwargs.get("data")):
            members = copied_in_members(kwargs["instance"])
        super().__init__(*args, **kwargs)
        self.user = user
        self.collision = []
        self.fields["cc"].help_text = _("Colleagues of the requester who also get the replies.")
        if members is None:
            self.set_queryset(*self.CHOSEN)
        if services is not None:  # already fetched for the customer panel: no second query
            self.fields["service"].choices = [("", "---------")] + [
                (service.pk, str(service)) for service in services
            ]
        elif members is not None:
            self.set_queryset("service")
        if members is not None:
            self.fields["cc"].choices = [(str(person.pk), str(person)) for person in members]
            self.use_kept_choices()

    CHOSEN = ("service", "cc", "assignee", "team", "category", "incident", "macro")

    def set_queryset(self, *names):
        """What each dropdown may list: for a sent form, for drawing one without the kept
        choices, and for keeping them (building querysets takes a while: only as needed)."""
        ticket = self.instance
        for name in names:
            field = self.fields[name]
            if name == "service":
                field.queryset = ticket.organization.services.all()
                continue
            if name == "cc":
                field.queryset = ticket.organization.members.exclude(pk=ticket.requester_id)
            elif name == "assignee":
                field.queryset = field.queryset.filter(is_staff=True, is_active=True)
            elif name == "incident":
                from support.status.models import Incident

                field.queryset = Incident.objects.filter(
                    Q(resolved_at__isnull=True) | Q(pk=ticket.incident_id)
                )
            field.iterator = PlainChoiceIterator
            field.queryset = field.queryset  # the widget's choices, through PlainChoiceIterator

    def use_kept_choices(self):
        """For showing the page: the dropdowns that are the same on every ticket come from
        the kept copy (support/tickets/cache.py), as their fields would draw them; the open
        incidents too unless the ticket's own incident is resolved. A sent form is checked
        against the fields' querysets as always."""
        language = get_language()

        def build(name):
            self.set_queryset(name)
            return kept_choices(self.fields[name])

        for name in ("assignee", "team", "category", "incident", "macro"):
            choices = ticket_page.cached(
                f"choices:{name}:{language}", functools.partial(build, name)
            )
            incident = self.instance.incident_id
            if name == "incident" and incident and str(incident) not in dict(choices):
                self.set_queryset(name)  # a resolved incident: the field's own query lists it
                continue
            self.fields[name].choices = choices

    @property
    def action(self):
        if "_send_reply" in self.data:
            return "reply"
        if "_add_note" in self.data:
            return "note"
        return "save"

    def clean(self):
        data = super().clean()
        ticket = self.instance
        wants_status = data.get("after_status") and self.action != "note"
        if wants_status and ticket.status == Ticket.Status.CLOSED:
            raise forms.ValidationError(_("A closed ticket can't be reopened."))
        if self.action in ("reply", "note"):
            if not (data.get("reply_body") or "").strip() and not data.get("macro"):
                self.add_error("reply_body", _("Write the message first."))
            seen = data.get("last_seen_message") or 0
            newer = ticket.messages.filter(pk__gt=seen).exclude(author=self.user)
            self.collision = list(newer.select_related("author"))
            if self.collision and not data.get("send_anyway"):
                raise forms.ValidationError(
                    _(
                        "Someone else wrote on this ticket while you were writing. Read it "
                        "below, then send again."
                    ),
                    code="collision",
                )
        return data


class TicketAddForm(forms.ModelForm):
    """Staff open a ticket for a customer who phoned, chatted or emailed."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[
            (Ticket.Channel.PHONE, _("Phone")),
            (Ticket.Channel.CHAT, _("Chat")),
            (Ticket.Channel.EMAIL, _("Email")),
        ],
    )

    class Meta:
        model = Ticket
        fields = [
            "organization",
            "requester",
            "channel",
            "category",
            "priority",
            "service",
            "subject",
            "description",
        ]

    def clean(self):
        data = super().clean()
        organization, requester = data.get("organization"), data.get("requester")
        members = Membership.objects.filter(organization=organization, user=requester)
        if organization and requester and not members.exists():
            self.add_error("requester", _("This person is not in the chosen organisation."))
        service = data.get("service")
        if service and organization and service.organization_id != organization.pk:
            self.add_error("service", _("This service belongs to another organisation."))
        return data


@admin.register(Ticket)
class TicketAdmin(ModelAdmin):
    list_display = ["ticket", "sla", "prio", "staff_status", "assignee_and_team", "last_activity"]
    list_display_links = ["ticket"]
    list_select_related = ["organization", "assignee", "team"]
    list_filter = [
        QueueFilter,
        "status",
        "priority",
        TierFilter,
        AssignedFilter,
        SlaFilter,
        ("category", KeptChoicesFilter),
        "channel",
        ("team", KeptChoicesFilter),
        ("incident", admin.EmptyFieldListFilter),
    ]
    list_filter_submit = True
    list_fullwidth = True
    list_before_template = "admin/tickets/ticket/views_bar.html"
    search_fields = ["reference", "subject", "requester__email", "messages__body"]
    search_help_text = _("Reference, subject, requester's email or any message text.")
    list_per_page = 30  # the most urgent first; a page renders in a third less time than 50
    show_full_result_count = False
    actions = [
        "assign_to_me",
        "acknowledge_pages",
        "assign_to",
        "move_to_team",
        "set_priority",
        "set_status",
        "escalate_to_tier_2",
        "merge_into",
        "link_to_incident",
        "unlink_from_incident",
        "close_tickets",
    ]
    action_form = TicketActionForm
    change_form_template = "admin/tickets/ticket/change_form.html"
    compressed_fields = False  # labels above fields: the properties sit in a narrow column
    autocomplete_fields = ["requester", "organization"]

    def get_ordering(self, request):
        """Most urgent SLA first: late targets have the earliest due times."""
        return [F("next_due_at").asc(nulls_last=True), "-last_activity_at"]

    def get_changelist(self, request, **kwargs):
        return TicketChangeList

    def get_search_results(self, request, queryset, search_term):
        """Full text with GIN indexes, a reference or an email address (search.py); one
        `pk IN (…)`, so no duplicates need removing. A search alone on screen lists the
        newest `SEARCH_LIST_LIMIT` matches (and says how many there are); narrowed by a
        view or a filter, every match among those."""
        newest = SEARCH_LIST_LIMIT if searched_alone(request) else None
        found, request._bo_search_count, request._bo_search_more = search_tickets_counted(
            queryset, search_term, newest=newest
        )
        return found, False

    def changelist_view(self, request, extra_context=None):
        from support.inbound.models import InboundEmail

        def figures():
            triage = InboundEmail.objects.filter(status=InboundEmail.Status.TRIAGE).count()
            return queues.view_counts(request.user), triage

        counts, triage = queues.recent.get(("queue", request.user.pk), figures)
        request._bo_view_counts = counts
        current = request.GET.get("view") or ("all" if request.GET.get("q") else "open")
        views = [
            {
                "slug": view.slug,
                "label": view.label,
                "count": counts.get(view.slug),
                "current": view.slug == current,
            }
            for view in queues.VIEWS
        ]
        hidden = queues.VIEWS_BY_SLUG.get(current)
        extra_context = {
            **(extra_context or {}),
            "saved_views": views,
            "hidden_view": hidden if hidden in queues.HIDDEN_VIEWS else None,
            "triage_count": triage,
        }
        return super().changelist_view(request, extra_context)

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """A saved view alone on screen was counted with the others: no second COUNT."""
        if request.GET.get("q", "").strip():
            # The matches were counted by reading them, among all tickets: the count when
            # nothing else narrows them.
            searched = getattr(request, "_bo_search_count", None)
            if getattr(request, "_bo_search_more", False):
                searched = SEARCH_LIST_LIMIT
            alone = searched_alone(request) and searched is not None
            count = min(searched, SEARCH_LIST_LIMIT) if alone else None
            return SearchPaginator(count, queryset, per_page, orphans)
        counts = getattr(request, "_bo_view_counts", None)
        view = request.GET.get("view", queues.DEFAULT_VIEW)
        if counts and set(request.GET) <= {"view", "p", "o"}:
            if counts.get(view) is not None:
                return KnownCountPaginator(counts[view], queryset, per_page, orphans)
            if view == "all":  # every ticket: counted as seldom as the views' counts
                count = queues.recent.get(("all", request.user.pk), queryset.count)
                return KnownCountPaginator(count, queryset, per_page, orphans)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = TicketChangeForm if obj else TicketAddForm
        if obj is None:
            return super().get_form(request, obj, change=change, **kwargs)
        form = self.change_form_class(request, obj, change, kwargs)
        context = getattr(request, "_bo_customer", None) or {}
        return functools.partial(
            form,
            user=request.user,
            services=context.get("services"),
            kept_choices=request.method == "GET",
        )

    def change_form_class(self, request, obj, change, kwargs):
        """The ticket page's form class, built once per process for each set of permissions
        (they decide the "related" links beside the dropdowns and whether fields may be
        changed; nothing here depends on the ticket): what varies between tickets is the
        form's instance, not its class."""
        user = request.user
        key = (
            change,
            tuple(kwargs.get("fields") or ()),
            set(kwargs) <= {"form", "fields"},
            user.is_superuser,
            frozenset(user.get_all_permissions()),
        )
        if not key[2]:
            return super().get_form(request, obj, change=change, **kwargs)
        kept = self.__dict__.setdefault("_change_forms", {})
        form = kept.get(key)
        if form is None:
            if len(kept) >= 100:
                kept.clear()
            form = kept[key] = super().get_form(request, obj, change=change, **kwargs)
        return form

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": TicketAddForm.Meta.fields})]
        return [
            (
                _("Properties"),
                {
                    "fields": [
                        "priority",
                        "priority_reason",
                        "assignee",
                        "team",
                        "category",
                        "service",
                        "incident",
                        "cc",
                    ]
                },
            ),
            (
                _("Reply"),
                {
                    "classes": ["bo-reply-fields"],
                    "fields": [
                        "macro",
                        "reply_body",
                        "reply_attachments",
                        "after_status",
                        "last_seen_message",
                        "send_anyway",
                    ],
                },
            ),
        ]

    def get_object(self, request, object_id, from_field=None):
        """The ticket with what its page shows, fetched once per request."""
        cached = getattr(request, "_bo_ticket", None)
        if cached is not None and str(cached.pk) == str(object_id):
            return cached
        try:
            ticket_id = int(object_id)
        except ValueError:
            return None
        if request.method == "GET" and using_postgres():  # the page's timeline in the same query
            found = ticket_with_timeline(ticket_id)
        else:
            found = list(ticket_page_tickets().filter(pk=ticket_id))
        request._bo_ticket = found[0] if found else None
        return request._bo_ticket

    def action_checkbox(self, obj):
        """unfold's row checkbox, rendered once per process instead of once per row."""
        html = row_checkbox().replace("__pk__", str(int(obj.pk)))
        return mark_safe(html)  # noqa: S308 (unfold's own markup and an integer)

    action_checkbox.short_description = ModelAdmin.action_checkbox.short_description

    @admin.display(description=_("ticket"), ordering="reference")
    def ticket(self, obj):
        return format_html(
            '<span class="bo-nowrap"><strong>{}</strong></span>'
            '<span class="bo-subject" title="{}">{}</span>'
            '<span class="bo-small">{} · {}</span>',
            obj.reference,
            obj.subject,
            obj.subject,
            obj.organization.name,
            choice_label(obj.organization, "tier"),
        )

    @admin.display(description=_("priority"), ordering="priority")
    def prio(self, obj):
        return format_html(
            '<strong class="bo-prio bo-prio-{}" title="{}">{}</strong>',
            obj.priority,
            choice_label(obj, "priority"),
            obj.priority,
        )

    @admin.display(description=_("status"), ordering="status")
    def staff_status(self, obj):
        return choice_label(obj, "status")

    @admin.display(description=_("assignee"), ordering="assignee__full_name")
    def assignee_and_team(self, obj):
        return format_html(
            '{}<span class="bo-small">{}</span>',
            obj.assignee.display_name if obj.assignee else "—",
            obj.team.name if obj.team else "",
        )

    @admin.display(description=_("last activity"), ordering="last_activity_at")
    def last_activity(self, obj):
        return format_html(
            '<span class="bo-nowrap">{}</span>', format_relative(obj.last_activity_at)
        )

    @admin.display(description=_("next SLA target"), ordering="next_due_at")
    def sla(self, obj):
        state = obj.sla_state()
        if not state:
            return "—"
        return format_html(
            '<span class="bo-badge bo-sla-{}">{}</span><span class="bo-small bo-nowrap">{}</span>',
            state,
            sla_label(state),
            sla_left(obj),
        )

    @admin.display(description=_("SLA"))
    def sla_summary(self, obj):
        rows = [
            (
                _("First response due"),
                obj.first_response_due_at,
                obj.first_response_at,
                obj.get_first_response_outcome_display(),
            ),
            (
                _("Resolution due"),
                obj.resolution_due_at,
                obj.resolved_at,
                obj.get_resolution_outcome_display(),
            ),
        ]
        parts = [
            format_html(
                "<li>{}: {} · {} {} · <strong>{}</strong></li>",
                label,
                format_datetime(due, with_zone=True) if due else "—",
                _("done"),
                format_datetime(done) if done else "—",
                outcome,
            )
            for label, due, done, outcome in rows
        ]
        if obj.resolved_at and obj.status in Ticket.ACTIVE_STATES:
            # The outcome stays the first resolution's; the ticket is being worked again.
            parts[1] = format_html(
                '{}<li class="bo-muted">{}</li>',
                parts[1],
                _("Reopened since; the target above was decided when it was first solved."),
            )
        if obj.update_due_at:
            parts.append(
                format_html(
                    "<li>{}: {}</li>",
                    _("Next customer update due"),
                    timezone.localtime(obj.update_due_at).strftime("%Y-%m-%d %H:%M %Z"),
                )
            )
        if obj.is_paused:
            parts.append(
                format_html("<li>{}</li>", _("Clock paused while waiting on the customer."))
            )
        parts += oncall_summary(obj)
        return format_html("<ul class='sla-summary'>{}</ul>", mark_safe("".join(parts)))

    @admin.display(description=_("details"))
    def details(self, obj):
        items = [
            (_("Channel"), obj.get_channel_display()),
            (_("Support tier"), obj.tier),
            (_("Problem started"), obj.problem_started_at),
            (_("What was tried"), obj.what_was_tried),
        ]
        items += list((obj.extra_fields or {}).items())
        return format_html(
            "<dl class='bo-details'>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((k, v or "—") for k, v in items)),
        )

    @admin.display(description=_("links"))
    def links(self, obj):
        parts = []
        for label, other in [
            (_("Merged into"), obj.merged_into),
            (_("Follow-up of"), obj.follow_up_of),
        ]:
            if other:
                url = reverse("admin:tickets_ticket_change", args=[other.pk])
                parts.append(format_html('{}: <a href="{}">{}</a>', label, url, other.reference))
        if obj.incident_id:
            url = reverse("admin:status_incident_change", args=[obj.incident_id])
            parts.append(format_html('{}: <a href="{}">{}</a>', _("Incident"), url, obj.incident))
        merged_from = getattr(obj, "merged_from", None)
        for other in obj.merged_tickets.all() if merged_from is None else merged_from:
            url = reverse("admin:tickets_ticket_change", args=[other.pk])
            parts.append(
                format_html('{}: <a href="{}">{}</a>', _("Merged from"), url, other.reference)
            )
        return format_html(" · ".join(["{}"] * len(parts)), *parts) if parts else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:ticket_id>/attachments/<int:pk>/",
                view(self.download),
                name="tickets_ticket_attachment",
            ),
            path(
                "<int:ticket_id>/presence/",
                view(self.presence_view),
                name="tickets_ticket_presence",
            ),
            path(
                "<int:ticket_id>/macro-preview/",
                view(self.macro_preview_view),
                name="tickets_ticket_macro_preview",
            ),
        ] + super().get_urls()

    def download(self, request, ticket_id, pk):
        if not self.has_view_permission(request):
            raise Http404
        return download_response(get_object_or_404(Attachment, ticket_id=ticket_id, pk=pk))

    def presence_view(self, request, ticket_id):
        """Polled by the ticket page: who else has it open or is typing, and what was written
        since this page was loaded."""
        if request.method != "POST" or not self.has_view_permission(request):
            raise Http404
        ticket = get_object_or_404(Ticket.objects.only("pk"), pk=ticket_id)
        typing = request.POST.get("typing") == "1"
        others = presence.touch(ticket.pk, request.user, typing=typing)
        try:
            seen = int(request.POST.get("seen") or 0)
        except ValueError:
            seen = 0
        newer = (
            ticket.messages.filter(pk__gt=seen)
            .exclude(author=request.user)
            .select_related("author")
            .order_by("pk")
        )
        return JsonResponse(
            {
                "others": others,
                "new_messages": [
                    {
                        "author": message.author.display_name if message.author else "—",
                        "internal": message.internal,
                    }
                    for message in newer
                ],
            }
        )

    def macro_preview_view(self, request, ticket_id):
        if not self.has_view_permission(request):
            raise Http404
        ticket = get_object_or_404(Ticket.objects.select_related("requester"), pk=ticket_id)
        macro = get_object_or_404(Macro, pk=request.GET.get("macro") or 0)
        text = macro.render(ticket, request.user)
        return JsonResponse({"text": text, "html": render_markdown(text)})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if ticket is not None:
            conversation = conversation_of(ticket)
            extra_context["conversation"] = conversation
            extra_context["last_message_id"] = conversation[-1].pk if conversation else 0
            extra_context["timeline"] = timeline_of(ticket)
            extra_context["customer"] = request._bo_customer = customer_context(ticket)
            extra_context["about"] = [
                (_("Details"), self.details(ticket)),
                (_("SLA"), self.sla_summary(ticket)),
                (_("Links"), self.links(ticket)),
            ]
            extra_context["others_here"] = presence.others(ticket.pk, request.user)
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context.get("adminform") and context["adminform"].form
        if form is not None and not add:
            form.initial.setdefault("last_seen_message", context.get("last_message_id", 0))
            context["collision"] = getattr(form, "collision", [])
            if not context.get("inline_admin_formsets"):
                # The page's scripts and styles, merged once per form class (change_form_class
                # keeps the classes): merging them costs more than the page's own template.
                kept = self.__dict__.setdefault("_kept_media", {})
                if type(form) not in kept:
                    kept[type(form)] = mark_safe(str(context["media"]))  # noqa: S308 (Django's)
                context["media"] = kept[type(form)]
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        """Collect what the agent asked for and hand it to the services; the form's copy of
        the ticket (with its stale status) is never saved."""
        if not change:
            ticket = services.open_ticket(
                organization=obj.organization,
                requester=obj.requester,
                subject=obj.subject,
                description=obj.description,
                priority=obj.priority,
                category=obj.category,
                service=obj.service,
                channel=form.cleaned_data["channel"],
                created_by=request.user,
            )
            obj.__dict__.update(ticket.__dict__)
            return
        data = form.cleaned_data
        ticket = Ticket.objects.select_related("organization", "requester").get(pk=obj.pk)
        changes = {
            field: data[field]
            for field in TicketChangeForm.Meta.fields
            if field in form.changed_data
        }
        try:
            services.update_ticket(
                ticket, by=request.user, priority_reason=data["priority_reason"], **changes
            )
            body = data["reply_body"].strip()
            if data["macro"]:
                body = (data["macro"].render(ticket, request.user) + "\n\n" + body).strip()
            if form.action in ("reply", "note"):
                services.reply(
                    ticket,
                    author=request.user,
                    body=body,
                    internal=form.action == "note",
                    status=data["after_status"] or None,
                    attachments=data["reply_attachments"],
                )
                done = _("Reply sent.") if form.action == "reply" else _("Internal note added.")
                if changes:
                    # The same click saved the properties too: say which.
                    labels = list_separator().join(str(form.fields[f].label) for f in changes)
                    done = _("%(done)s Also changed: %(fields)s.") % {
                        "done": done,
                        "fields": labels,
                    }
                self.message_user(request, done, messages.SUCCESS)
            elif data["after_status"]:
                services.change_status(ticket, data["after_status"], by=request.user)
        except services.TicketError as error:
            self.message_user(request, str(error), messages.ERROR)
        obj.__dict__.update({k: v for k, v in ticket.__dict__.items() if k != "_state"})

    def save_related(self, request, form, formsets, change):
        """Copied-in people went through the services in save_model."""
        if not change:
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def response_change(self, request, obj):
        """After a reply, a note or a change the agent stays on the ticket."""
        return HttpResponseRedirect(reverse("admin:tickets_ticket_change", args=[obj.pk]))

    def log_change(self, request, obj, message):
        """The ticket's own timeline is its history."""

    @admin.action(description=_("Assign to me"))
    def assign_to_me(self, request, queryset):
        self._bulk(request, queryset, assignee=request.user)

    @admin.action(description=_("Assign to…"))
    def assign_to(self, request, queryset):
        self._bulk(request, queryset, assignee=self._action_value(request, "new_assignee"))

    @admin.action(description=_("Move to team…"))
    def move_to_team(self, request, queryset):
        value = self._action_value(request, "new_team")
        if not value:
            self.message_user(request, _("Choose a team."), messages.ERROR)
            return
        self._bulk(request, queryset, team=value)

    @admin.action(description=_("Set priority…"))
    def set_priority(self, request, queryset):
        value = self._action_value(request, "new_priority")
        if not value:
            self.message_user(request, _("Choose a priority."), messages.ERROR)
            return
        self._bulk(request, queryset, priority=value)

    @admin.action(description=_("Set status…"))
    def set_status(self, request, queryset):
        value = self._action_value(request, "new_status")
        if not value:
            self.message_user(request, _("Choose a status."), messages.ERROR)
            return
        self._bulk(request, queryset, status=value)

    @admin.action(description=_("Link to incident…"))
    def link_to_incident(self, request, queryset):
        """A page of its own to choose the incident (the queue asks nothing more of the
        database for it), then each ticket through the services."""
        from support.status.models import Incident

        incidents = Incident.objects.unresolved().order_by("kind", "-started_at")  # incidents first
        chosen = request.POST.get("incident", "")
        if chosen.isdigit():
            incident = incidents.filter(pk=int(chosen)).first()
            if incident is not None:
                self._bulk(request, queryset, incident=incident)
                return None
            self.message_user(request, _("Choose an incident."), messages.ERROR)
        return TemplateResponse(
            request,
            "admin/tickets/ticket/link_to_incident.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Link tickets to an incident"),
                "opts": self.model._meta,
                "tickets": queryset.select_related("organization"),
                "incidents": incidents,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Unlink from their incident"))
    def unlink_from_incident(self, request, queryset):
        self._bulk(request, queryset.filter(incident__isnull=False), incident=None)

    def _action_value(self, request, name):
        form = self.action_form(request.POST)
        form.fields["action"].choices = self.get_action_choices(request)
        return form.cleaned_data.get(name) if form.is_valid() else None

    def _bulk(self, request, queryset, **changes):
        """One field change on each chosen ticket, through the services (timeline included)."""
        done = 0
        for ticket in queryset.select_related("organization", "requester", "assignee", "team"):
            try:
                services.update_ticket(ticket, by=request.user, **changes)
                done += 1
            except services.TicketError as error:
                self.message_user(request, f"{ticket.reference}: {error}", messages.ERROR)
        if done:
            self.message_user(
                request,
                ngettext("%d ticket changed.", "%d tickets changed.", done) % done,
                messages.SUCCESS,
            )

    @admin.action(description=_("Acknowledge pages (and take unassigned tickets)"))
    def acknowledge_pages(self, request, queryset):
        count = sum(paging.acknowledge_ticket(ticket, request.user) for ticket in queryset)
        self.message_user(
            request, _("%(count)d acknowledged.") % {"count": count}, messages.SUCCESS
        )

    @admin.action(description=_("Escalate to tier 2"))
    def escalate_to_tier_2(self, request, queryset):
        count = 0
        for ticket in queryset.select_related("organization__account_manager"):
            services.escalate(ticket, by=request.user, reason=str(_("Escalated by staff")))
            count += 1
        self.message_user(
            request,
            ngettext("%d ticket escalated.", "%d tickets escalated.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Merge into another ticket…"))
    def merge_into(self, request, queryset):
        reference = (request.POST.get("target_reference") or "").strip().upper()
        target = Ticket.objects.filter(reference=reference).first()
        if target is None:
            self.message_user(
                request, _("Enter the reference of the ticket to merge into."), messages.ERROR
            )
            return
        merged = 0
        for source in queryset.exclude(pk=target.pk):
            try:
                services.merge(source, target, by=request.user)
                merged += 1
            except services.TicketError as error:
                self.message_user(request, f"{source.reference}: {error}", messages.ERROR)
        if merged:
            self.message_user(
                request,
                ngettext(
                    "%(n)d ticket merged into %(ref)s.",
                    "%(n)d tickets merged into %(ref)s.",
                    merged,
                )
                % {"n": merged, "ref": target.reference},
                messages.SUCCESS,
            )

    @admin.action(description=_("Close"))
    def close_tickets(self, request, queryset):
        count = 0
        for ticket in queryset.exclude(status=Ticket.Status.CLOSED).select_related("organization"):
            services.change_status(ticket, Ticket.Status.CLOSED, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d ticket closed.", "%d tickets closed.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Category)
class CategoryAdmin(ModelAdmin):
    list_display = ["name", "name_zh_hans", "slug", "team", "position", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Team)
class TeamAdmin(ModelAdmin):
    list_display = ["name", "tier", "group", "calendar"]


class HolidayInline(TabularInline):
    model = Holiday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(ModelAdmin):
    list_display = ["name", "time_zone", "opens_at", "closes_at", "weekdays", "country"]
    inlines = [HolidayInline]
    actions = ["load_public_holidays"]

    @admin.action(description=_("Load public holidays for this year and next"))
    def load_public_holidays(self, request, queryset):
        year = timezone.now().year
        count = sum(load_public_holidays(calendar, [year, year + 1]) for calendar in queryset)
        self.message_user(request, _("%(count)d days loaded.") % {"count": count})


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ModelAdmin):
    list_display = [
        "tier",
        "priority",
        "first_response_minutes",
        "resolution_minutes",
        "update_minutes",
        "calendar",
    ]
    list_editable = ["first_response_minutes", "resolution_minutes", "update_minutes", "calendar"]
    list_filter = ["tier", "priority"]
    list_select_related = ["calendar"]


@admin.register(Macro)
class MacroAdmin(ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "body"]


@admin.register(TimelineEvent)
class TimelineEventAdmin(ModelAdmin):
    list_display = ["ticket", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["=ticket__reference"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
