import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, Service

from . import sla

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I


def new_reference():
    """A short, unambiguous, non-sequential reference such as K7F-3QX9."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(7))
    return f"{chars[:3]}-{chars[3:]}"


def new_thread_id():
    """The Message-ID of a ticket's first email, which all its later emails reply to."""
    from .notify import new_thread_id

    return new_thread_id()


class Priority(models.TextChoices):
    P0 = "P0", _("P0 — Critical")
    P1 = "P1", _("P1 — High")
    P2 = "P2", _("P2 — Normal")
    P3 = "P3", _("P3 — Low / question")


PRIORITY_EXPLANATIONS = {
    "P0": _("your service is completely unavailable"),
    "P1": _("a major function is broken or badly degraded"),
    "P2": _("something is not working as it should, with a workaround"),
    "P3": _("a question, advice or a minor issue"),
}


class Team(models.Model):
    """A queue of staff: Tier 1 (Support agents) and Tier 2 (Support engineers)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    tier = models.PositiveSmallIntegerField(_("tier"), default=1)
    group = models.ForeignKey(
        Group,
        verbose_name=_("staff group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("The people in this group work the team's tickets and get its emails."),
    )
    calendar = models.ForeignKey(
        "BusinessCalendar",
        verbose_name=_("business calendar"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams",
        help_text=_("The team's working days, e.g. for survey follow-up due dates."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["tier", "name"]

    def __str__(self):
        return self.name


class Category(models.Model):
    """What a ticket is about; staff add and rename categories in the admin."""

    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(_("name in Simplified Chinese"), max_length=100, blank=True)
    slug = models.SlugField(_("slug"), unique=True)
    team = models.ForeignKey(
        Team,
        verbose_name=_("route new tickets to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("offered to customers"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self):
        if get_language() == "zh-hans" and self.name_zh_hans:
            return self.name_zh_hans
        return self.name


class BusinessCalendar(models.Model):
    """Opening hours for SLA clocks that don't run 24×7, with public holidays and exceptions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    opens_at = models.TimeField(_("opens at"), default="09:00")
    closes_at = models.TimeField(_("closes at"), default="17:00")
    weekdays = models.CharField(
        _("working days"),
        max_length=20,
        default="0,1,2,3,4",
        help_text=_("Comma-separated weekday numbers, 0 = Monday … 6 = Sunday."),
    )
    country = models.CharField(
        _("public holidays of"),
        max_length=2,
        blank=True,
        help_text=_(
            "Country code (CN, DE, US …) whose public holidays and make-up working "
            "days are loaded from the holidays package."
        ),
    )
    subdivision = models.CharField(
        _("region"), max_length=10, blank=True, help_text=_("e.g. BE for Berlin; optional.")
    )

    class Meta:
        verbose_name = _("business-hours calendar")
        verbose_name_plural = _("business-hours calendars")

    def __str__(self):
        return self.name

    def as_calendar(self, holidays=None):
        """The arithmetic's calendar; `holidays` (Holiday rows) saves a query when prefetched."""
        days = [int(day) for day in self.weekdays.split(",") if day.strip().isdigit()]
        if holidays is None:  # loaded beside the calendar (services.policy_for), else a query
            holidays = getattr(self, "loaded_holidays", None)
        if holidays is None:
            holidays = self.holidays.all()
        closed = frozenset(day.date for day in holidays if not day.is_working_day)
        opened = frozenset(day.date for day in holidays if day.is_working_day)
        return sla.Calendar(
            time_zone=self.time_zone,
            hours=sla.weekdays(self.opens_at, self.closes_at, days),
            holidays=closed,
            workdays=opened,
            workday_hours=(self.opens_at, self.closes_at),
        )


class Holiday(models.Model):
    """A day that differs from the weekly pattern: closed (a holiday) or open (a make-up day)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        PACKAGE = "package", _("Public holiday data")

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_working_day = models.BooleanField(
        _("working day"),
        default=False,
        help_text=_("Ticked: the day is worked although it normally isn't (a make-up day)."),
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_a_day")
        ]

    def __str__(self):
        return f"{self.date} {self.name}"


class SlaPolicy(models.Model):
    """Targets for one organisation tier and priority."""

    tier = models.CharField(
        _("organisation tier"), max_length=20, choices=Organization.Tier.choices
    )
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    first_response_minutes = models.DecimalField(
        _("first response target (minutes)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    resolution_minutes = models.DecimalField(
        _("resolution target (minutes)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Empty: no resolution target."),
    )
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business hours"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the clock runs 24×7."),
    )
    update_minutes = models.DecimalField(
        _("update every (minutes)"),
        max_digits=8,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_(
            "After the first response, a customer update is due this often while the ticket "
            "is open and not waiting on the customer. Empty: no update target."
        ),
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["tier", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier", "priority"], name="one_policy_per_tier_priority"
            )
        ]

    def __str__(self):
        return f"{self.get_tier_display()} {self.priority}"

    @property
    def first_response(self):
        return float(self.first_response_minutes) if self.first_response_minutes else None

    @property
    def resolution(self):
        return float(self.resolution_minutes) if self.resolution_minutes else None

    def clock(self):
        return self.calendar.as_calendar() if self.calendar_id else None


def customer_status_label(status):
    if status == Ticket.Status.PENDING:
        return _("Waiting on you")
    return Ticket.Status(status).label if status in Ticket.Status.values else status


class SearchableQuerySet(models.QuerySet):
    """bulk_create fills the search vectors, as save() does."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.set_search_vector()
        created = super().bulk_create(objs, *args, **kwargs)
        for obj in objs:
            obj.__dict__.pop("search_vector", None)
        return created


class Searchable(models.Model):
    """A row with a full-text vector of some of its fields (see search.py)."""

    search_vector = SearchVectorField(null=True, editable=False)
    searched_fields = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        """The vector is written in the same INSERT/UPDATE, then left unloaded (it holds
        an SQL expression until read again)."""
        update_fields = kwargs.get("update_fields")
        wanted = update_fields is None or set(update_fields) & set(self.searched_fields)
        if wanted and self.set_search_vector() and update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "search_vector"}
        super().save(*args, **kwargs)
        self.__dict__.pop("search_vector", None)

    def set_search_vector(self):
        from .search import using_postgres, vector_of

        if using_postgres() and not self.get_deferred_fields() & set(self.searched_fields):
            self.search_vector = vector_of(*(getattr(self, f) for f in self.searched_fields))
            return True
        return False


class TicketQuerySet(SearchableQuerySet):
    def visible_to(self, user, membership):
        """What a customer may see (the rule is in access.py, shared with email and the API)."""
        from .access import visible_tickets

        return visible_tickets(self, user, membership)

    def for_lists(self):
        """Without the long text no list shows: the search vector, the description and the
        form's answers."""
        return self.defer("search_vector", "description", "what_was_tried", "extra_fields")

    def active(self):
        return self.filter(status__in=Ticket.ACTIVE_STATES)

    def waiting_on_customer(self):
        return self.filter(status=Ticket.Status.PENDING)

    def in_our_hands(self):
        return self.filter(status__in=(Ticket.Status.NEW, Ticket.Status.OPEN))

    def by_urgency(self):
        """Most urgent first: priority (P0 first), then the nearest SLA target, then activity."""
        return self.order_by("priority", F("next_due_at").asc(nulls_last=True), "-last_activity_at")


class Ticket(Searchable):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        PENDING = "pending", _("Waiting on customer")  # customers read "Waiting on you"
        SOLVED = "solved", _("Solved")
        CLOSED = "closed", _("Closed")

    class Channel(models.TextChoices):
        WEB = "web", _("Web")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        CHAT = "chat", _("Chat")

    class Outcome(models.TextChoices):
        UNDECIDED = "", _("Not yet decided")
        MET = "met", _("Met")
        BREACHED = "breached", _("Breached")

    ACTIVE_STATES = (Status.NEW, Status.OPEN, Status.PENDING)

    # Unique, so PostgreSQL has Django's LIKE index on it too: a reference's beginning
    # (LIKE 'K7F-3%') is found whatever the database's collation.
    reference = models.CharField(_("reference"), max_length=12, unique=True, default=new_reference)
    # organization, requester and assignee are found through the two-column indexes that
    # start with them (see Meta.indexes): an index of their own would only slow every write.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="requested_tickets",
        db_index=False,
    )
    cc = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("copied in"),
        blank=True,
        related_name="copied_tickets",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.SET_NULL, null=True, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.SET_NULL, null=True, blank=True
    )
    extra_fields = models.JSONField(_("category details"), default=dict, blank=True)
    problem_started_at = models.DateTimeField(_("problem started"), null=True, blank=True)
    what_was_tried = models.TextField(_("what has been tried"), blank=True)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices, default="P2")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="new")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default="web")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        limit_choices_to={"is_staff": True},
        db_index=False,
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.SET_NULL, null=True, blank=True
    )
    tier = models.PositiveSmallIntegerField(_("support tier"), default=1)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    needs_attention = models.BooleanField(
        _("customer says it is more urgent"),
        default=False,
        help_text=_("Cleared when staff reply."),
    )

    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    sla_calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_response_target = models.DecimalField(
        max_digits=8, decimal_places=1, null=True, blank=True
    )
    resolution_target = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_warned = models.BooleanField(default=False)
    resolution_warned = models.BooleanField(default=False)
    first_response_outcome = models.CharField(
        _("first response target"), max_length=10, choices=Outcome.choices, default="", blank=True
    )
    resolution_outcome = models.CharField(
        _("resolution target"), max_length=10, choices=Outcome.choices, default="", blank=True
    )
    first_response_business_minutes = models.FloatField(
        _("first response time (business minutes)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Minutes on the ticket's SLA clock from opening to the first response."),
    )
    resolution_business_minutes = models.FloatField(
        _("resolution time (business minutes)"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Minutes on the ticket's SLA clock from opening to the last resolution."),
    )
    sla_paused_at = models.DateTimeField(_("SLA clock paused"), null=True, blank=True)
    sla_paused_minutes = models.FloatField(default=0)
    update_target = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    update_due_at = models.DateTimeField(_("next update due"), null=True, blank=True)
    update_reminded = models.BooleanField(default=False)
    updates_on_time = models.PositiveIntegerField(_("updates on time"), default=0)
    updates_missed = models.PositiveIntegerField(_("updates missed"), default=0)
    next_due_at = models.DateTimeField(
        _("next SLA target"),
        null=True,
        blank=True,
        help_text=_("The earliest due time of a target not yet done."),
    )

    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_tickets",
    )
    incident = models.ForeignKey(
        "status.Incident",
        verbose_name=_("known incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text=_("The status-page incident this ticket is about; customers see the link."),
    )
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
    )
    form_token = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    email_thread_id = models.CharField(
        max_length=255, default=new_thread_id, editable=False, db_index=True
    )

    objects = TicketQuerySet.as_manager()
    searched_fields = ("reference", "subject")

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["organization", "-last_activity_at"], name="ticket_org_activity"),
            models.Index(fields=["organization", "status"], name="ticket_org_status"),
            models.Index(
                fields=["requester", "-last_activity_at"], name="ticket_requester_activity"
            ),
            # A status's tickets in the queue's order (most urgent first, then latest
            # activity): "Waiting on customer" has no due times to sort by.
            models.Index(
                fields=["status", "next_due_at", "-last_activity_at"],
                name="ticket_status_due_activity",
            ),
            models.Index(fields=["next_due_at", "-last_activity_at"], name="ticket_due_activity"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["first_response_warn_at"], name="ticket_fr_warn"),
            # The SLA sweep's questions (support.tickets.tasks): only running targets are in
            # these, so "what is due now" reads the few due rows, not every past due time.
            models.Index(
                fields=["first_response_warn_at"],
                name="ticket_fr_warn_running",
                condition=models.Q(
                    status__in=["new", "open", "pending"],
                    first_response_outcome="",
                    first_response_warned=False,
                ),
            ),
            models.Index(
                fields=["first_response_due_at"],
                name="ticket_fr_due_running",
                condition=models.Q(
                    status__in=["new", "open", "pending"],
                    first_response_outcome="",
                    first_response_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["resolution_warn_at"],
                name="ticket_res_warn_running",
                condition=models.Q(
                    status__in=["new", "open", "pending"],
                    resolution_outcome="",
                    resolution_warned=False,
                ),
            ),
            models.Index(
                fields=["resolution_due_at"],
                name="ticket_res_due_running",
                condition=models.Q(status__in=["new", "open", "pending"], resolution_outcome=""),
            ),
            models.Index(fields=["resolution_warn_at"], name="ticket_res_warn"),
            models.Index(fields=["status", "solved_at"], name="ticket_status_solved"),
            models.Index(fields=["update_due_at"], name="ticket_update_due"),
            # The reports count a period's tickets (and the SLA trend a year's, month by
            # month) from this index alone: what each target's attainment needs is in it.
            models.Index(
                fields=["created_at"],
                name="ticket_created",
                include=[
                    "team",
                    "first_response_outcome",
                    "resolution_outcome",
                    "updates_on_time",
                    "updates_missed",
                ],
            ),
            models.Index(fields=["resolved_at"], name="ticket_resolved"),
            # The back office's counts read open work from the index alone (saved views,
            # dashboard); "waiting longest on us" and "breached today" each have their own.
            models.Index(
                fields=["status"],
                include=[
                    "assignee",
                    "priority",
                    "next_due_at",
                    "first_response_at",
                    "first_response_warn_at",
                    "resolution_warn_at",
                    "first_response_outcome",
                    "resolution_outcome",
                ],
                condition=models.Q(status__in=["new", "open", "pending"]),
                name="ticket_open_work",
            ),
            models.Index(
                fields=["last_activity_at"],
                condition=models.Q(status__in=["new", "open"]),
                name="ticket_waiting_on_us",
            ),
            # The ticket page's "requester's other open tickets": a customer with thousands
            # of closed tickets costs no more than one with none.
            models.Index(
                fields=["requester", "-last_activity_at"],
                condition=models.Q(status__in=["new", "open", "pending"]),
                name="ticket_requester_open",
            ),
            models.Index(
                fields=["first_response_due_at"],
                condition=models.Q(first_response_outcome="breached"),
                name="ticket_fr_breached",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=models.Q(resolution_outcome="breached"),
                name="ticket_res_breached",
            ),
        ]

    def __str__(self):
        return f"[{self.reference}] {self.subject}"

    def get_absolute_url(self):
        return reverse("tickets:detail", args=[self.reference])

    @property
    def customer_status_display(self):
        """The status in the customer's words: a pending ticket waits on them."""
        return customer_status_label(self.status)

    @property
    def is_paused(self):
        return self.sla_paused_at is not None

    @property
    def can_reopen(self):
        return self.status == self.Status.SOLVED

    def clock(self, calendar=None):
        if self.sla_calendar_id is None:
            return None
        return (calendar or self.sla_calendar).as_calendar()

    def apply_targets(self, calendar=None):
        """Recompute the due times from the opening time, the targets and the paused time."""
        targets = sla.due_times(
            self.created_at,
            float(self.first_response_target) if self.first_response_target else None,
            float(self.resolution_target) if self.resolution_target else None,
            self.clock(calendar),
            self.sla_paused_minutes,
        )
        self.first_response_due_at = targets.first_response_due
        self.first_response_warn_at = targets.first_response_warn
        self.resolution_due_at = targets.resolution_due
        self.resolution_warn_at = targets.resolution_warn
        self.refresh_next_due()

    def restart_update_clock(self, since):
        """The next customer update is due `update_target` after `since`, while the ticket is
        active, answered and not waiting on the customer; otherwise no update is due."""
        running = (
            self.update_target
            and self.status in self.ACTIVE_STATES
            and not self.is_paused
            and self.first_response_at is not None
        )
        due = (
            sla.next_update_due(since, float(self.update_target), self.clock()) if running else None
        )
        self.update_due_at = due
        self.update_reminded = False

    def refresh_next_due(self):
        """The earliest target not yet done (late ones included, so they sort first);
        None while paused or inactive."""
        candidates = []
        if self.status in self.ACTIVE_STATES and not self.is_paused:
            if self.first_response_at is None:
                candidates.append(self.first_response_due_at)
            if self.resolution_outcome != self.Outcome.MET:
                candidates.append(self.resolution_due_at)
        candidates = [moment for moment in candidates if moment]
        self.next_due_at = min(candidates) if candidates else None

    def business_minutes_since_opening(self, moment, calendar=None):
        """Minutes on this ticket's SLA clock (24×7 without a calendar) from opening to `moment`."""
        return sla.working_minutes_between(self.created_at, moment, self.clock(calendar))

    def sla_state(self, now=None):
        """ "breached", "at_risk", "on_track" or "" (nothing running)."""
        now = now or timezone.now()
        if self.Outcome.BREACHED in (self.first_response_outcome, self.resolution_outcome) and (
            self.status in self.ACTIVE_STATES
        ):
            return "breached"
        if self.next_due_at is None:
            return ""
        if self.next_due_at <= now:
            return "breached"
        warn = [
            self.first_response_warn_at if self.first_response_at is None else None,
            self.resolution_warn_at,
        ]
        if any(moment and moment <= now for moment in warn):
            return "at_risk"
        return "on_track"


class MessageQuerySet(SearchableQuerySet):
    def for_conversation(self):
        """With their authors and without the search vector: what a conversation shows."""
        return self.select_related("author").defer("search_vector")


class Message(Searchable):
    """One message in a ticket's conversation: a public reply or a staff-only internal note."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("internal note"), default=False)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Ticket.Channel.choices, default="web"
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    objects = MessageQuerySet.as_manager()
    searched_fields = ("body",)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self):
        return f"{self.ticket.reference} #{self.pk}"

    @property
    def from_staff(self):
        return bool(self.author and self.author.is_staff)


def attachment_path(instance, filename):
    return f"tickets/{timezone.now():%Y/%m}/{secrets.token_hex(12)}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tickets:attachment", args=[self.ticket.reference, self.pk, self.name])


class TimelineEvent(models.Model):
    """Something that happened to a ticket; the history is never rewritten."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Ticket opened")
        STATUS = "status", _("Status changed")
        PRIORITY = "priority", _("Priority changed")
        ASSIGNED = "assigned", _("Assigned")
        TEAM = "team", _("Team changed")
        ESCALATED = "escalated", _("Escalated")
        SLA_WARNING = "sla_warning", _("SLA warning")
        SLA_BREACH = "sla_breach", _("SLA target missed")
        MERGED = "merged", _("Merged")
        URGENT = "urgent", _("Customer asked for more urgency")
        CATEGORY = "category", _("Category changed")
        SERVICE = "service", _("Service changed")
        INCIDENT = "incident", _("Incident link changed")
        INCIDENT_UPDATE = "incident_update", _("Incident update posted")

    PUBLIC_KINDS = (
        Kind.CREATED,
        Kind.STATUS,
        Kind.PRIORITY,
        Kind.ESCALATED,
        Kind.MERGED,
        Kind.URGENT,
    )

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_created"),
            models.Index(fields=["ticket", "kind", "created_at"], name="event_ticket_kind"),
        ]

    def __str__(self):
        return self.describe()

    def describe(self):
        from .timeline import describe

        return describe(self)

    def describe_for_customer(self):
        from .timeline import describe

        return describe(self, for_customer=True)


class Notification(models.Model):
    """Emails still to be written about something that happened to a ticket.

    Stored in the same transaction as the change (one row however many people are told),
    so a change that commits is never left untold; a django-q2 task (notify.send_pending)
    then works out the recipients, writes each email in its recipient's language into the
    outbox and deletes the row, all in one transaction. The task is queued after commit and
    also runs every minute, which picks up a row whose task was lost or whose worker died.
    `emails` lists [template, audience] pairs (notify.AUDIENCES names the audiences).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    emails = models.JSONField()
    message = models.ForeignKey(
        "Message", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    context = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("email waiting to be written")
        verbose_name_plural = _("emails waiting to be written")
        ordering = ["pk"]

    def __str__(self):
        return ", ".join(template for template, _audience in self.emails)


class DigestLine(models.Model):
    """A ticket to list in one person's next SLA digest (support.tickets.digests).

    The SLA sweep writes these in each batch's transaction, beside the flags it sets; at
    the end of its run every person gets one email listing their lines, and the lines go.
    A run that dies leaves its lines for the next run's digests: nothing is lost."""

    class Kind(models.TextChoices):
        BREACH = "breach", _("SLA target missed")
        WARNING = "warning", _("SLA target due soon")
        UPDATE = "update", _("Customer update due soon")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    target = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("SLA digest line")
        verbose_name_plural = _("SLA digest lines")
        ordering = ["pk"]
        indexes = [models.Index(fields=["person", "id"], name="digest_person")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.ticket_id}"


class TicketEmail(models.Model):
    """Every email sent about a ticket, so replies can be matched by In-Reply-To/References."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="emails")
    message_id = models.CharField(max_length=255, unique=True)
    recipient = models.EmailField()
    kind = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket email")
        verbose_name_plural = _("ticket emails")

    def __str__(self):
        return self.message_id


class Macro(models.Model):
    """A canned response; {first_name}, {full_name}, {reference}, {subject}, {agent_name}."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {first_name}, {full_name}, {reference}, {subject}, {agent_name}."
        ),
    )

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def render(self, ticket, agent):
        values = {
            "first_name": ticket.requester.first_name,
            "full_name": ticket.requester.get_full_name(),
            "reference": ticket.reference,
            "subject": ticket.subject,
            "agent_name": agent.display_name if agent else "",
        }
        text = self.body
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text


def auto_close_after():
    return timedelta(days=getattr(settings, "TICKET_AUTO_CLOSE_DAYS", 4))
