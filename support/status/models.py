"""Components, incidents (and maintenance windows) with their updates, and subscribers.

The vocabulary (component status, incident status, impact) is Atlassian Statuspage's,
so that the JSON API under /status/api/v2/ speaks it unchanged.
"""

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _


class ComponentStatus(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEGRADED_PERFORMANCE = "degraded_performance", _("Degraded performance")
    PARTIAL_OUTAGE = "partial_outage", _("Partial outage")
    MAJOR_OUTAGE = "major_outage", _("Major outage")
    UNDER_MAINTENANCE = "under_maintenance", _("Under maintenance")


class Impact(models.TextChoices):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical")
    MAINTENANCE = "maintenance", _("Maintenance")


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigating")
    IDENTIFIED = "identified", _("Identified")
    MONITORING = "monitoring", _("Monitoring")
    RESOLVED = "resolved", _("Resolved")
    POSTMORTEM = "postmortem", _("Post-mortem")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    VERIFYING = "verifying", _("Verifying")
    COMPLETED = "completed", _("Completed")


INCIDENT_STATUSES = ["investigating", "identified", "monitoring", "resolved", "postmortem"]
MAINTENANCE_STATUSES = ["scheduled", "in_progress", "verifying", "completed"]
CLOSED_STATUSES = {"resolved", "postmortem", "completed"}

# Severity order, lowest first; used for "worst of" decisions.
IMPACT_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
COMPONENT_STATUS_IMPACT = {
    "operational": "none",
    "under_maintenance": "maintenance",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
}
INDICATOR_DESCRIPTIONS = {
    "none": _("All Systems Operational"),
    "minor": _("Minor Service Outage"),
    "major": _("Partial System Outage"),
    "critical": _("Major Service Outage"),
    "maintenance": _("Service Under Maintenance"),
}
# What people read, on the status page and the home page alike (the API keeps Statuspage's).
INDICATOR_LABELS = {
    "none": _("All systems operational"),
    "minor": _("Minor service disruption"),
    "major": _("Partial outage"),
    "critical": _("Major outage"),
    "maintenance": _("Maintenance in progress"),
}


def worst_impact(impacts):
    return max(impacts, key=IMPACT_RANK.__getitem__, default="none")


def content_language(language=None):
    """The language status content is shown in: "zh-hans" or "en" (the active one by default).

    The one place that decides; pages, feeds, the JSON API, emails and caches all ask it.
    """
    language = (language or translation.get_language() or "en").lower()
    return "zh-hans" if language.startswith("zh") else "en"


class Bilingual:
    """Text fields with an optional Chinese twin named `<field>_zh_hans`.

    In Chinese a field is shown in Chinese when its twin is filled, otherwise in English,
    whole: a text is never half one language and half the other.
    """

    def local(self, field):
        if content_language() == "zh-hans":
            return getattr(self, f"{field}_zh_hans") or getattr(self, field)
        return getattr(self, field)

    @property
    def local_name(self):
        return self.local("name")

    @property
    def local_description(self):
        return self.local("description")


class ComponentGroup(Bilingual, models.Model):
    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_zh_hans = models.TextField(_("description (Chinese)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_visible = models.BooleanField(_("visible on the status page"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("component group")
        verbose_name_plural = _("component groups")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class ComponentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_visible=True).filter(
            models.Q(group__isnull=True) | models.Q(group__is_visible=True)
        )


class Component(Bilingual, models.Model):
    """Something customers depend on: a data centre's shared hosting, DNS, the control panel."""

    group = models.ForeignKey(
        ComponentGroup,
        verbose_name=_("group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="components",
    )
    name = models.CharField(_("name"), max_length=100)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    slug = models.SlugField(
        _("slug"),
        unique=True,
        help_text=_("Monitoring alerts name the component by this (the 'component' label)."),
    )
    description = models.TextField(_("description"), blank=True)
    description_zh_hans = models.TextField(_("description (Chinese)"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_visible = models.BooleanField(_("visible on the status page"), default=True)
    show_uptime = models.BooleanField(_("show uptime"), default=True)
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=ComponentStatus.choices,
        default=ComponentStatus.OPERATIONAL,
    )
    services = models.ManyToManyField(
        "accounts.Service",
        verbose_name=_("customer services"),
        blank=True,
        related_name="status_components",
        help_text=_("Customers with these services are told about incidents on this component."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ComponentQuerySet.as_manager()

    class Meta:
        verbose_name = _("component")
        verbose_name_plural = _("components")
        ordering = ["group__order", "order", "name"]

    def __str__(self):
        return self.name


class IncidentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def public(self):
        """What everybody may see: published and not private (status page, feeds, JSON, iCal)."""
        return self.filter(is_published=True, is_private=False)

    def touching(self, organization_id):
        """Incidents on a component that one of this organisation's services runs on."""
        return self.filter(
            pk__in=Incident.objects.filter(
                components__services__organization_id=organization_id
            ).values("pk")
        )

    def visible_to(self, user, membership=None):
        """Staff see everything; others what is public plus the private incidents that
        touch their own organisation's services (published only)."""
        if user is not None and user.is_authenticated and user.is_staff:
            return self.all()
        if membership is None or user is None or membership.user_id != user.pk:
            return self.public()
        affected = Incident.objects.filter(
            components__services__organization_id=membership.organization_id
        ).values("pk")
        return self.published().filter(models.Q(is_private=False) | models.Q(pk__in=affected))

    def incidents(self):
        return self.filter(kind=Incident.Kind.INCIDENT)

    def maintenance(self):
        return self.filter(kind=Incident.Kind.MAINTENANCE)

    def unresolved(self):
        return self.exclude(status__in=CLOSED_STATUSES)

    def upcoming(self):
        return self.maintenance().filter(status=IncidentStatus.SCHEDULED)

    def in_progress(self):
        return self.maintenance().filter(status__in=["in_progress", "verifying"])

    def active(self):
        """Published, unresolved incidents and maintenance under way: what affects people now."""
        return self.published().filter(
            models.Q(kind=Incident.Kind.INCIDENT) & ~models.Q(status__in=CLOSED_STATUSES)
            | models.Q(kind=Incident.Kind.MAINTENANCE, status__in=["in_progress", "verifying"])
        )

    def overlapping(self, start, end):
        """Incidents whose [started_at, resolved_at) touches [start, end)."""
        return self.filter(started_at__lt=end).filter(
            models.Q(resolved_at__isnull=True) | models.Q(resolved_at__gt=start)
        )


class Incident(Bilingual, models.Model):
    """An incident or a maintenance window, told through its updates."""

    class Kind(models.TextChoices):
        INCIDENT = "incident", _("Incident")
        MAINTENANCE = "maintenance", _("Scheduled maintenance")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INCIDENT)
    name = models.CharField(_("title"), max_length=200)
    name_zh_hans = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    impact = models.CharField(_("impact"), max_length=12, choices=Impact.choices, default="minor")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    components = models.ManyToManyField(
        Component, verbose_name=_("affected components"), blank=True, related_name="incidents"
    )
    is_published = models.BooleanField(
        _("published"),
        default=True,
        help_text=_("Drafts (e.g. from monitoring) are hidden until staff publish them."),
    )
    is_private = models.BooleanField(
        _("private"),
        default=False,
        help_text=_(
            "Only the organisations whose services run on the affected components see it (and "
            "staff): never the public status page, feeds or API, nor the public uptime."
        ),
    )
    scheduled_for = models.DateTimeField(_("maintenance starts"), null=True, blank=True)
    scheduled_until = models.DateTimeField(_("maintenance ends"), null=True, blank=True)
    postmortem = models.TextField(
        _("post-mortem"), blank=True, help_text=_("Markdown. Shown on the incident's page.")
    )
    postmortem_zh_hans = models.TextField(
        _("post-mortem (Chinese)"), blank=True, help_text=_("Markdown. Optional.")
    )
    postmortem_published_at = models.DateTimeField(
        _("post-mortem published"), null=True, blank=True
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    monitoring_at = models.DateTimeField(_("monitoring since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    sequence = models.PositiveIntegerField(
        _("calendar sequence"), default=0, editable=False, help_text=_("Rises when a window moves.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident or maintenance")
        verbose_name_plural = _("incidents and maintenance")
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["is_published", "kind", "status"]),
            models.Index(fields=["started_at"]),
            models.Index(fields=["resolved_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scheduled_until__isnull=True)
                | models.Q(scheduled_for__isnull=True)
                | models.Q(scheduled_until__gt=models.F("scheduled_for")),
                name="maintenance_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_loaded_window", None)
        if self.is_maintenance:
            self.impact = Impact.MAINTENANCE
            if self.scheduled_for and self._state.adding:
                self.started_at = self.scheduled_for
            if loaded is not None and loaded != (self.scheduled_for, self.scheduled_until):
                self.sequence += 1
                if self.status == IncidentStatus.SCHEDULED and self.scheduled_for:
                    self.started_at = self.scheduled_for
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "sequence", "started_at"}
        super().save(*args, **kwargs)
        self._loaded_window = (self.scheduled_for, self.scheduled_until)

    def get_absolute_url(self):
        return reverse("status:incident", args=[self.pk])

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_window = (
            instance.__dict__.get("scheduled_for"),
            instance.__dict__.get("scheduled_until"),
        )
        return instance

    @property
    def is_maintenance(self):
        return self.kind == self.Kind.MAINTENANCE

    @property
    def is_resolved(self):
        return self.status in CLOSED_STATUSES

    @property
    def is_upcoming(self):
        return self.is_maintenance and self.status == IncidentStatus.SCHEDULED

    def downtime_interval(self):
        """(start, end) of the time this incident counts against uptime, end None if ongoing."""
        return self.started_at, self.resolved_at

    @property
    def local_postmortem(self):
        return self.local("postmortem")

    @property
    def changes_public_components(self):
        """Only a published, public incident moves the components' public status."""
        return self.is_published and not self.is_private

    @transaction.atomic
    def post_update(
        self,
        status,
        body,
        component_statuses=None,
        *,
        body_zh_hans="",
        notify=False,
        notify_customers=False,
        display_at=None,
        author=None,
    ):
        """Record an update and, in the same transaction, move the incident and its components.

        component_statuses maps Component → new status. Components not named keep their
        status, except that closing an incident brings its components back to operational.
        A draft or a private incident records the intended component statuses but changes
        nothing public. The affected customers are told when `notify_customers` is set and
        always at the milestones (see is_customer_milestone).
        """
        now = timezone.now()
        component_statuses = dict(component_statuses or {})
        first = not self.updates.exists()
        if status in CLOSED_STATUSES:
            still_affected = set(
                Incident.objects.active()
                .public()
                .exclude(pk=self.pk)
                .values_list("components", flat=True)
            )
            for component in self.components.all():
                if component.pk not in still_affected:
                    component_statuses.setdefault(component, ComponentStatus.OPERATIONAL)
        notify_customers = notify_customers or is_customer_milestone(self, status, first)
        update = IncidentUpdate.objects.create(
            incident=self,
            status=status,
            body=body,
            body_zh_hans=body_zh_hans,
            display_at=display_at or now,
            notify_subscribers=notify,
            notify_customers=notify_customers,
            author=author,
        )
        components = (
            Component.objects.select_for_update()
            .filter(pk__in=[component.pk for component in component_statuses])
            .order_by("pk")
        )
        current = {component.pk: component for component in components}
        for component, new_status in component_statuses.items():
            locked = current[component.pk]
            IncidentUpdateComponent.objects.create(
                update=update,
                component=locked,
                old_status=locked.status,
                new_status=new_status,
            )
            if self.changes_public_components and locked.status != new_status:
                locked.status = new_status
                locked.save(update_fields=["status", "updated_at"])
        if component_statuses:
            self.components.add(*current.values())
        self._move_to(status, now)
        self.save()
        if notify and self.is_published and not self.is_private:
            from .tasks import queue_notifications

            queue_notifications(update)
        if notify_customers and self.is_published:
            from .notices import queue_customer_notice

            queue_customer_notice(update)
        return update

    def _move_to(self, status, now):
        self.status = status
        if status == IncidentStatus.MONITORING and self.monitoring_at is None:
            self.monitoring_at = now
        if status == IncidentStatus.IN_PROGRESS:
            self.started_at = now
        if status in CLOSED_STATUSES:
            self.resolved_at = self.resolved_at or now
        else:
            self.resolved_at = None
        if status == IncidentStatus.POSTMORTEM and self.postmortem_published_at is None:
            self.postmortem_published_at = now

    @transaction.atomic
    def publish(self):
        """Make a draft visible, apply its latest update's component statuses (unless it
        is private) and tell the affected customers that it opened."""
        if self.is_published:
            return
        self.is_published = True
        self.save(update_fields=["is_published", "updated_at"])
        latest = self.updates.order_by("-display_at", "-pk").first()
        if latest is None:
            return
        if not self.is_private:
            for change in latest.component_changes.select_related("component"):
                if change.component.status != change.new_status:
                    change.component.status = change.new_status
                    change.component.save(update_fields=["status", "updated_at"])
        from .notices import queue_customer_notice

        IncidentUpdate.objects.filter(pk=latest.pk).update(notify_customers=True)
        queue_customer_notice(latest)

    @property
    def lacks_translation(self):
        """True when the title, an update or the post-mortem has no Chinese text."""
        return (
            not self.name_zh_hans
            or bool(self.postmortem and not self.postmortem_zh_hans)
            or any(not update.body_zh_hans for update in self.updates.all())
        )


def is_customer_milestone(incident, status, first):
    """Opening, resolving, and maintenance being scheduled, starting and ending: the
    affected customers are always told of these; of other updates when staff choose."""
    if first:
        return True
    if incident.is_maintenance:
        return status in (IncidentStatus.SCHEDULED, IncidentStatus.IN_PROGRESS, *CLOSED_STATUSES)
    return status in CLOSED_STATUSES and not incident.is_resolved


class IncidentUpdate(Bilingual, models.Model):
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="updates"
    )
    status = models.CharField(_("status"), max_length=16, choices=IncidentStatus.choices)
    body = models.TextField(_("message"), help_text=_("Markdown."))
    body_zh_hans = models.TextField(
        _("message (Chinese)"), blank=True, help_text=_("Markdown. Optional.")
    )
    display_at = models.DateTimeField(_("shown as posted at"), default=timezone.now)
    notify_subscribers = models.BooleanField(_("notify subscribers"), default=False)
    notified_at = models.DateTimeField(_("subscribers notified"), null=True, blank=True)
    notify_customers = models.BooleanField(_("notify affected customers"), default=False)
    customers_notified_at = models.DateTimeField(
        _("affected customers notified"), null=True, blank=True
    )
    author = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["-display_at", "-pk"]
        indexes = [models.Index(fields=["incident", "-display_at"])]

    def __str__(self):
        return f"{self.get_status_display()} — {self.incident}"

    @property
    def local_body(self):
        return self.local("body")


class IncidentUpdateComponent(models.Model):
    """A component's status change carried by an update (Statuspage's affected_components)."""

    update = models.ForeignKey(
        IncidentUpdate, on_delete=models.CASCADE, related_name="component_changes"
    )
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")
    old_status = models.CharField(max_length=24, choices=ComponentStatus.choices)
    new_status = models.CharField(max_length=24, choices=ComponentStatus.choices)

    class Meta:
        verbose_name = _("component change")
        verbose_name_plural = _("component changes")

    def __str__(self):
        return f"{self.component}: {self.old_status} → {self.new_status}"


class IncidentTemplate(Bilingual, models.Model):
    """Ready-made text for common situations, picked when posting an update in the admin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=Incident.Kind.choices, default=Incident.Kind.INCIDENT
    )
    title = models.CharField(_("incident title"), max_length=200, blank=True)
    title_zh_hans = models.CharField(_("incident title (Chinese)"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=IncidentStatus.choices, blank=True
    )
    body = models.TextField(_("message"), help_text=_("Markdown."))
    body_zh_hans = models.TextField(
        _("message (Chinese)"), blank=True, help_text=_("Markdown. Optional.")
    )

    class Meta:
        verbose_name = _("incident template")
        verbose_name_plural = _("incident templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)

    def for_components(self, component_ids):
        """Confirmed subscribers to everything, or to at least one of these components."""
        return (
            self.confirmed()
            .filter(
                models.Q(components__isnull=True) | models.Q(components__in=list(component_ids))
            )
            .distinct()
        )


class Subscriber(models.Model):
    """An address that confirmed it wants status emails (all components, or chosen ones)."""

    email = models.EmailField(_("email address"), unique=True)
    components = models.ManyToManyField(
        Component,
        verbose_name=_("components"),
        blank=True,
        related_name="subscribers",
        help_text=_("None chosen means every component."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("en", "English"), ("zh-hans", "简体中文")],
        default="en",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["email"]

    def __str__(self):
        return self.email


class NoticePreference(models.Model):
    """Whether a person wants proactive notice of incidents on their organisation's services.

    No row means the default: owners and admins get it, members don't.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    wants_notices = models.BooleanField(
        _("email me about incidents and maintenance affecting our services"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident notice preference")
        verbose_name_plural = _("incident notice preferences")

    def __str__(self):
        return str(self.user)


class AlertState(models.Model):
    """The last state seen of one Alertmanager alert, which makes the webhook idempotent."""

    fingerprint = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10)
    severity = models.CharField(max_length=32, blank=True)
    starts_at = models.DateTimeField()
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self):
        return self.fingerprint


def active_notices_for(organization):
    """Published incidents and maintenance under way that touch this organisation's services
    (its private ones included). Most of the time nothing is going on anywhere: the status
    page's cache knows that without a query."""
    from .cache import cached

    if organization is None:
        return []
    if not cached(
        "active-incident-ids", lambda: list(Incident.objects.active().values_list("pk", flat=True))
    ):
        return []
    return list(
        Incident.objects.active()
        .touching(organization.pk)
        .prefetch_related(
            models.Prefetch(
                "components",
                queryset=Component.objects.filter(services__organization=organization).distinct(),
                to_attr="customer_components",
            ),
            models.Prefetch(
                "updates", queryset=IncidentUpdate.objects.order_by("-display_at", "-pk")
            ),
        )
        .order_by("-started_at")
    )
