"""The staff queues: which tickets each saved view holds, answered as `Q` objects so the
ticket list, its counts and the back-office dashboard ask the database the same question."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.fastcache import Recent

from .models import Ticket

Status = Ticket.Status
# A queue's counts and the dashboard's figures, per person, are worked out at most once every
# few seconds in each process; a ticket saved in this process shows at once (the signals are
# connected in portal.backoffice.connect_signals).
RECENT_SECONDS = 5
recent = Recent(RECENT_SECONDS)
OPEN_WORK = Q(status__in=Ticket.ACTIVE_STATES)


def late(now):
    """Late now, or a target already missed (on open work: breached)."""
    return (
        Q(next_due_at__lte=now)
        | Q(first_response_outcome=Ticket.Outcome.BREACHED)
        | Q(resolution_outcome=Ticket.Outcome.BREACHED)
    )


def risky(now):
    """Past a warning time, not yet late, no target missed (on open work: at risk)."""
    warned = Q(first_response_at__isnull=True, first_response_warn_at__lte=now) | Q(
        resolution_warn_at__lte=now
    )
    return warned & Q(next_due_at__gt=now) & ~late(now)


def tracking(now):
    """A clock running, neither at risk nor late (on open work: on track)."""
    return Q(next_due_at__gt=now) & ~risky(now) & ~late(now)


def breached(now):
    """Late now, or a target already missed, on a ticket still being worked."""
    return OPEN_WORK & late(now)


def at_risk(now):
    return OPEN_WORK & risky(now)


def breached_since(start, now):
    """Targets missed since `start`: answered or solved late, or late now and still open."""
    return (
        Q(first_response_outcome=Ticket.Outcome.BREACHED, first_response_due_at__gte=start)
        | Q(resolution_outcome=Ticket.Outcome.BREACHED, resolution_due_at__gte=start)
        | (OPEN_WORK & Q(next_due_at__gte=start, next_due_at__lte=now))
    )


def start_of_today(now):
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def waiting_on_us():
    """New or open: the next move is ours."""
    return Q(status__in=[Status.NEW, Status.OPEN])


def on_track(now):
    return OPEN_WORK & tracking(now)


@dataclass(frozen=True)
class View:
    slug: str
    label: str
    icon: str

    def condition(self, user, now):
        return VIEW_CONDITIONS[self.slug](user, now)

    def among_open_work(self, user, now):
        """What the view adds to open work (None: all of it), for counting among the open
        tickets without repeating their condition for every row and view."""
        return AMONG_OPEN_WORK[self.slug](user, now)


VIEW_CONDITIONS = {
    "open": lambda user, now: OPEN_WORK,
    "mine": lambda user, now: OPEN_WORK & Q(assignee=user),
    "unassigned": lambda user, now: OPEN_WORK & Q(assignee__isnull=True),
    "at_risk": lambda user, now: at_risk(now),
    "breached": lambda user, now: breached(now),
    "waiting": lambda user, now: Q(status=Status.PENDING),
    "urgent": lambda user, now: OPEN_WORK & Q(priority__in=["P0", "P1"]),
    "all": lambda user, now: Q(),
    "breached_today": lambda user, now: breached_since(start_of_today(now), now),
    "on_track": lambda user, now: on_track(now),
    "paused": lambda user, now: OPEN_WORK & Q(next_due_at__isnull=True),
}

AMONG_OPEN_WORK = {
    "open": lambda user, now: None,
    "mine": lambda user, now: Q(assignee=user),
    "unassigned": lambda user, now: Q(assignee__isnull=True),
    "at_risk": lambda user, now: risky(now),
    "breached": lambda user, now: late(now),
    "waiting": lambda user, now: Q(status=Status.PENDING),
    "urgent": lambda user, now: Q(priority__in=["P0", "P1"]),
    "on_track": lambda user, now: tracking(now),
    "paused": lambda user, now: Q(next_due_at__isnull=True),
}

VIEWS = [
    View("open", _("Open work"), "inbox"),
    View("mine", _("My tickets"), "person"),
    View("unassigned", _("Unassigned"), "person_off"),
    View("at_risk", _("At risk"), "warning"),
    View("breached", _("Breached"), "alarm"),
    View("waiting", _("Waiting on customer"), "hourglass_top"),
    View("urgent", _("P0/P1 open"), "priority_high"),
    View("all", _("All tickets"), "list"),
]
# Reached from the dashboard's figures, not shown as tabs.
HIDDEN_VIEWS = [
    View("breached_today", _("Breached today"), "alarm"),
    View("on_track", _("On track"), "check_circle"),
    View("paused", _("No SLA clock running"), "pause_circle"),
]
VIEWS_BY_SLUG = {view.slug: view for view in VIEWS + HIDDEN_VIEWS}
DEFAULT_VIEW = "open"


def count_open_work(user, now, slugs):
    """Open work counted for each view in one query. Counting a column of the open-work
    covering index (status, never empty) rather than the primary key lets PostgreSQL answer
    from the index alone; each count adds only what its view adds to open work."""

    def count(slug):
        among = VIEWS_BY_SLUG[slug].among_open_work(user, now)
        return Count("status", filter=among) if among is not None else Count("status")

    return Ticket.objects.filter(OPEN_WORK).aggregate(**{slug: count(slug) for slug in slugs})


def view_counts(user, now=None):
    """Every saved view's count (All tickets is never counted) in one query."""
    now = now or timezone.now()
    return count_open_work(user, now, [view.slug for view in VIEWS if view.slug != "all"])
