from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import linebreaksbr
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from unfold.admin import ModelAdmin

from . import routing
from .forms import TriageForm
from .ingest import process
from .models import InboundEmail
from .parsing import UnparseableEmail, parse_email


@admin.register(InboundEmail)
class InboundEmailAdmin(ModelAdmin):
    list_display = [
        "received_at",
        "from_address",
        "subject",
        "status",
        "action",
        "sender_verified_by",
        "ticket_reference",
        "not_threaded",
    ]
    list_filter = [
        "status",
        "source",
        "action",
        "sender_verified_by",
        "threaded",
    ]  # status "Awaiting triage": the queue
    search_fields = ["from_address", "from_name", "subject", "message_id", "ticket_reference"]
    date_hierarchy = "received_at"
    actions = ["process_again", "dismiss"]
    fieldsets = [
        (
            _("Message"),
            {
                "fields": [
                    "from_name",
                    "from_address",
                    "subject",
                    "new_text",
                    "attachment_list",
                    "refused_attachments",
                    "download",
                ]
            },
        ),
        (
            _("What happened"),
            {
                "fields": [
                    "status",
                    "triage_link",
                    "action",
                    "reason",
                    "ticket_reference",
                    "related_ticket_reference",
                    "sender_verified_by",
                    "threaded",
                    "processed_at",
                ]
            },
        ),
        (
            _("Delivery"),
            {
                "fields": [
                    "received_at",
                    "source",
                    "sent_at",
                    "message_id",
                    "size",
                    "charsets",
                    "content_hash",
                    "sha256",
                ]
            },
        ),
    ]
    readonly_fields = [name for _section, options in fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_changelist"):
            queryset = queryset.defer("raw")  # messages can be megabytes each
        return queryset

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """Everything here is read-only: no save buttons."""
        extra_context = {**(extra_context or {}), "show_save": False}
        extra_context["show_save_and_continue"] = False
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        download = self.admin_site.admin_view(self.download_view)
        triage = self.admin_site.admin_view(self.triage_view)
        return [
            path("<int:pk>/download/", download, name="inbound_inboundemail_download"),
            path("<int:pk>/triage/", triage, name="inbound_inboundemail_triage"),
            *super().get_urls(),
        ]

    def download_view(self, request, pk):
        """The original message as an .eml file, for staff only; never rendered in the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(InboundEmail, pk=pk)
        if not self.has_view_permission(request, entry):
            raise Http404
        response = HttpResponse(entry.raw_bytes, content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="{entry.download_name()}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def triage_view(self, request, pk):
        """Staff turn a held message into a ticket (or a reply on the claimed one)."""
        entry = get_object_or_404(InboundEmail, pk=pk)
        if not self.has_change_permission(request, entry):
            raise PermissionDenied
        change_url = reverse("admin:inbound_inboundemail_change", args=[entry.pk])
        if entry.status != InboundEmail.Status.TRIAGE:
            self.message_user(request, _("This message is not awaiting triage."), messages.WARNING)
            return redirect(change_url)
        form = TriageForm(request.POST or None, entry=entry)
        if request.method == "POST" and form.is_valid():
            reference = self._triage(request, entry, form)
            self.message_user(
                request,
                _("The message is now on ticket %(reference)s.") % {"reference": reference},
                messages.SUCCESS,
            )
            return redirect(change_url)
        parsed = _parsed(entry)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Triage: %(subject)s") % {"subject": entry},
            "opts": self.model._meta,
            "entry": entry,
            "form": form,
            "text": parsed.text if parsed else "",
            "attachments": parsed.attachments if parsed else [],
        }
        return TemplateResponse(request, "inbound/admin/triage.html", context)

    def _triage(self, request, entry, form):
        data = form.cleaned_data
        person = data["requester_email"]
        with transaction.atomic():
            if data["what"] == TriageForm.CLAIMED_TICKET:
                reference = routing.add_to_ticket_for_staff(entry, form.claimed, person)
            else:
                reference = routing.open_ticket_for_staff(entry, data["organization"], person)
            note = _("Triaged by %(staff)s.") % {"staff": request.user.email}
            entry.mark(
                InboundEmail.Status.PROCESSED,
                f"{entry.reason} {note}",
                ticket_reference=reference,
            )
        return reference

    @admin.display(description=_("triage"))
    def triage_link(self, obj):
        if obj.status != InboundEmail.Status.TRIAGE:
            return "—"
        url = reverse("admin:inbound_inboundemail_triage", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open a ticket from this message…"))

    @admin.display(description=_("original message"))
    def download(self, obj):
        url = reverse("admin:inbound_inboundemail_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a> ({} bytes)', url, _("Download .eml"), obj.size)

    @admin.display(description=_("not threaded"), boolean=True)
    def not_threaded(self, obj):
        return True if obj.threaded is False else None

    @admin.display(description=_("new text (quotes and signature removed)"))
    def new_text(self, obj):
        parsed = _parsed(obj)
        if parsed is None:
            return "—"
        return linebreaksbr(parsed.text, autoescape=True)

    @admin.display(description=_("attachments"))
    def attachment_list(self, obj):
        parsed = _parsed(obj)
        if parsed is None or not parsed.attachments:
            return "—"
        return format_html_join(
            "",
            "<div>{} — {}, {} bytes{}</div>",
            (
                (a.filename, a.content_type, a.size, " (inline)" if a.inline else "")
                for a in parsed.attachments
            ),
        )

    @admin.action(description=_("Process again"), permissions=["change"])
    def process_again(self, request, queryset):
        done = 0
        for entry in queryset.exclude(status=InboundEmail.Status.PROCESSED):
            process(entry)
            done += 1
        skipped = queryset.count() - done
        self.message_user(
            request,
            ngettext("%d message processed again.", "%d messages processed again.", done) % done,
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d message was already processed and was left alone.",
                    "%d messages were already processed and were left alone.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    @admin.action(description=_("Dismiss (no ticket)"), permissions=["change"])
    def dismiss(self, request, queryset):
        note = _("Dismissed by %(staff)s.") % {"staff": request.user.email}
        count = 0
        for entry in queryset.filter(status=InboundEmail.Status.TRIAGE):
            entry.mark(InboundEmail.Status.DISMISSED, f"{entry.reason} {note}")
            count += 1
        self.message_user(
            request,
            ngettext("%d message dismissed.", "%d messages dismissed.", count) % count,
            messages.SUCCESS if count else messages.WARNING,
        )


def _parsed(entry):
    try:
        return parse_email(entry.raw_bytes)
    except (UnparseableEmail, ValueError):
        return None
