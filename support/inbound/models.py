from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundEmail(models.Model):
    """One message received by email, kept as it arrived (the raw .eml) whatever happened next.

    Nothing that reaches an entry point is dropped: messages that could not be
    parsed, came from machines or were rate limited are stored with the reason,
    so staff can read, download and reprocess them in the admin.
    """

    class Source(models.TextChoices):
        IMAP = "imap", _("IMAP mailbox")
        PIPE = "pipe", _("Mail server pipe")
        HTTP = "http", _("HTTP endpoint")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        TRIAGE = "triage", _("Awaiting triage")
        DISMISSED = "dismissed", _("Dismissed by staff")
        IGNORED_AUTOMATIC = "ignored_automatic", _("Ignored: sent automatically")
        RATE_LIMITED = "rate_limited", _("Held: too many messages from this sender")
        FAILED = "failed", _("Failed")

    class Action(models.TextChoices):
        """What the routing rules decided (see routing.py)."""

        NONE = "", _("Not decided yet")
        REPLY = "reply", _("Reply on a ticket")
        FOLLOW_UP = "follow_up", _("Follow-up to a closed ticket")
        NEW_TICKET = "new_ticket", _("New ticket")
        TRIAGE = "triage", _("Staff triage")
        SIGN_UP_REPLY = "sign_up_reply", _("Answered with a sign-up pointer")
        IGNORE = "ignore", _("Ignored")

    class Verification(models.TextChoices):
        """How the sender was verified (see authenticity.py); empty: not verified."""

        NONE = "", _("Sender not verified")
        TOKEN = "token", _("Reply token")
        DMARC = "dmarc", _("DMARC pass")
        DKIM = "dkim", _("Aligned DKIM pass")

    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    action = models.CharField(
        _("decision"), max_length=20, choices=Action.choices, default=Action.NONE, blank=True
    )
    reason = models.TextField(_("reason or error"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    sha256 = models.CharField(_("SHA-256 of the message"), max_length=64, db_index=True)
    content_hash = models.CharField(
        _("content hash"),
        max_length=64,
        unique=True,
        help_text=_(
            "SHA-256 of what the sender wrote (Message-ID, addresses, subject, date, body), "
            "without the headers servers add on the way: the same message delivered twice has "
            "the same hash, another message reusing a Message-ID does not."
        ),
    )
    charsets = models.TextField(
        _("charsets"),
        blank=True,
        help_text=_("How each piece of text was decoded from the original bytes, and why."),
    )
    from_address = models.EmailField(_("from"), max_length=254, blank=True, db_index=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    sent_at = models.DateTimeField(_("sent (Date header)"), null=True, blank=True)
    raw = models.BinaryField(_("original message"))
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    threaded = models.BooleanField(
        _("threaded"),
        null=True,
        blank=True,
        help_text=_(
            "Yes when matched to a ticket through the portal's own Message-IDs; no when only "
            "the [reference] in the subject claimed the ticket (the sender could be forged)."
        ),
    )
    sender_verified_by = models.CharField(
        _("sender verified by"),
        max_length=10,
        choices=Verification.choices,
        default=Verification.NONE,
        blank=True,
        help_text=_(
            "How the message is known to come from its From address: it answers a reply token "
            "sent to that person, or the mail server authenticated the sender's domain."
        ),
    )
    ticket_reference = models.CharField(
        _("ticket"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("The ticket this message was added to or opened."),
    )
    related_ticket_reference = models.CharField(
        _("related ticket"),
        max_length=20,
        blank=True,
        help_text=_("The ticket this message claimed, when it went elsewhere (closed, triage)."),
    )
    refused_attachments = models.TextField(
        _("attachments not added"),
        blank=True,
        help_text=_("Files over the size limit or of a type tickets don't accept."),
    )
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "-received_at"])]

    def __str__(self):
        return self.subject or str(_("(no subject)"))

    def same_message_id(self):
        """Other stored messages with this Message-ID (and other content)."""
        if not self.message_id:
            return InboundEmail.objects.none()
        return InboundEmail.objects.filter(message_id=self.message_id).exclude(pk=self.pk)

    @property
    def raw_bytes(self):
        return bytes(self.raw)

    def download_name(self):
        stamp = self.received_at.strftime("%Y%m%d-%H%M%S")
        return f"inbound-{self.pk}-{stamp}.eml"

    def mark(self, status, reason="", **fields):
        """Record what happened, without writing the (possibly large) raw message again."""
        fields.update(status=status, reason=reason)
        if status in (self.Status.PROCESSED, self.Status.DISMISSED):
            fields["processed_at"] = timezone.now()
        for name, value in fields.items():
            setattr(self, name, value)
        self.save(update_fields=list(fields))
