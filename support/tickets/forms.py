import copy
import functools
import mimetypes
import re
import secrets
import unicodedata
from datetime import timedelta

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from accounts.models import User
from portal.dates import format_duration
from portal.filetypes import content_matches

from .cache import form_people, ticket_setup
from .models import PRIORITY_EXPLANATIONS, Category, Priority, SlaPolicy

MAX_FILES = 10
TEXT_LIMIT = 20000

# When a problem may have started: a day's slack for clocks and time zones, ten years back.
PROBLEM_START_SKEW = timedelta(days=1)
PROBLEM_START_LIMIT = timedelta(days=3653)

# Category-specific questions: slug → [(key, label, kind)], kind "url" or "text".
CATEGORY_FIELDS = {
    "website-down": [
        ("url", gettext_lazy("Address (URL) of the affected site"), "url"),
        ("error", gettext_lazy("Error message you see"), "text"),
    ],
    "slow-performance": [
        ("url", gettext_lazy("Address (URL) of a slow page"), "url"),
        ("load_time", gettext_lazy("How long it takes to load"), "text"),
    ],
    "email": [
        ("address", gettext_lazy("Affected email address"), "text"),
        ("bounce", gettext_lazy("Bounce or error message"), "text"),
    ],
    "domain-dns": [("domain", gettext_lazy("Domain name"), "text")],
    "ssl-certificate": [("domain", gettext_lazy("Domain on the certificate"), "text")],
    "backups-restore": [
        (
            "restore_what",
            gettext_lazy("What should be restored (files, database, mailbox)"),
            "text",
        ),
        ("restore_point", gettext_lazy("From which date"), "text"),
    ],
    "billing": [("invoice", gettext_lazy("Invoice number"), "text")],
    "security-abuse": [("evidence_url", gettext_lazy("Address (URL) involved"), "url")],
}


def extra_field_name(slug, key):
    return f"extra__{slug}__{key}"


def safe_filename(name):
    """Keep only the last path part, without control characters or the characters file systems
    refuse (`../../x.html` → `x.html`); other punctuation and every script stay readable."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"/\\|?*]+', "_", name).strip(" .")  # what file systems refuse
    if not name:
        return "attachment"
    return _shortened(name, lambda text: len(text) <= MAX_NAME_CHARACTERS)


MAX_NAME_CHARACTERS = 200  # Attachment.name: the name shown and offered for download
MAX_STORED_NAME_BYTES = 150  # file systems count bytes (255 a name); storage may add "_abc1234"


def storage_filename(name):
    """The name a file is stored under: at most MAX_STORED_NAME_BYTES in UTF-8, cut at a
    character, the extension kept (`绩效管理…(100 characters).xls` → 48 characters + `.xls`)."""
    return _shortened(name, lambda text: len(text.encode()) <= MAX_STORED_NAME_BYTES)


def _shortened(name, fits):
    if fits(name):
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not fits("x." + ext):
        stem, dot, ext = name, "", ""
    while stem and not fits(stem + "…" + dot + ext):
        stem = stem[:-1]
    return stem.rstrip() + "…" + dot + ext


def allowed_type(name):
    content_type, _encoding = mimetypes.guess_type(name, strict=False)
    if content_type in settings.TICKET_ATTACHMENT_ALLOWED_TYPES:
        return content_type
    return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files, each checked for size and type; names are made safe."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data or []) if item] if isinstance(data, list | tuple) else []
        if data and not isinstance(data, list | tuple):
            files = [data]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                ngettext(
                    "Attach at most %(count)d file.", "Attach at most %(count)d files.", MAX_FILES
                )
                % {"count": MAX_FILES}
            )
        errors, cleaned = [], []
        limit = settings.TICKET_ATTACHMENT_MAX_BYTES
        for upload in files:
            name = safe_filename(upload.name)
            content_type = allowed_type(name)
            if upload.size > limit:
                errors.append(
                    _("%(name)s is larger than %(limit)s.")
                    % {"name": name, "limit": filesizeformat(limit)}
                )
            elif content_type is None:
                errors.append(_("%(name)s: files of this type can't be attached.") % {"name": name})
            elif not content_matches(content_type, upload):
                errors.append(
                    _(
                        "%(name)s: the file's content doesn't match its name. "
                        "Check that it is the file you meant, and save it with the right ending."
                    )
                    % {"name": name}
                )
            else:
                upload.name = name
                upload.content_type = content_type
                cleaned.append(upload)
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


def _attachment_help():
    return _(
        "Up to %(count)d files, %(limit)s each: images, PDF, text, CSV, JSON, ZIP/TAR archives, "
        "Word and Excel documents."
    ) % {"count": MAX_FILES, "limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}


attachment_help = lazy(_attachment_help, str)()  # in the language of the page that shows it


def describe_target(minutes, calendar):
    """ "8 minutes, 24×7", "4 business hours", "30 minutes (business hours)"."""
    if calendar is not None:
        opens = calendar.opens_at.hour * 60 + calendar.opens_at.minute
        closes = calendar.closes_at.hour * 60 + calendar.closes_at.minute
        words = format_duration(minutes, business_day_minutes=(closes - opens) or None)
        if float(minutes) % 60 == 0:  # "4 business hours", "5 business days" say it already
            return words
        return _("%(time)s (business hours)") % {"time": words}
    return _("%(time)s, 24×7") % {"time": format_duration(minutes)}


def priority_choices(organization):
    policies = {
        policy.priority: policy
        for policy in SlaPolicy.objects.filter(tier=organization.tier).select_related("calendar")
    }
    choices = []
    for value, label in Priority.choices:
        text = f"{label}: {PRIORITY_EXPLANATIONS[value]}"
        policy = policies.get(value)
        if policy and policy.first_response_minutes:
            target = describe_target(policy.first_response_minutes, policy.calendar)
            text += " — " + _("first response within %(target)s") % {"target": target}
        choices.append((value, text))
    return choices


class PriorityField(forms.ChoiceField):
    """The priorities, labelled with the organisation's first-response targets. The labels
    (one query) are looked up only when the field is shown, not to check a sent form."""

    def valid_value(self, value):
        return value in Priority.values


def active_categories():
    """The categories customers may choose, with their teams, by id (as text), from the cache
    of the ticket setup: a sent form is checked without a query."""
    return ticket_setup.cached(
        "categories",
        lambda: {
            str(category.pk): category
            for category in Category.objects.filter(is_active=True).select_related("team")
        },
    )


class PlainChoiceIterator(ModelChoiceIterator):
    """The choices in one plain query: Django's iterator() would open a server-side cursor
    (DECLARE, FETCH, CLOSE: three round trips, and a held cursor) for a handful of rows.
    The customer's form and the back office's ticket page use it."""

    def __init__(self, field):
        self.field = field  # the queryset is read when iterated (see LazyQueryset)

    @property
    def queryset(self):
        return self.field.queryset

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class LazyQueryset:
    """A field whose queryset is built when something first reads it (drawing the choices,
    checking a value), from `build_queryset` set by the form: a sent form that leaves the
    field empty never builds it."""

    build_queryset = None

    def _get_queryset(self):
        if self._queryset is None and self.build_queryset is not None:
            self._queryset = self.build_queryset()
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def build_later(self, build):
        self.build_queryset, self._queryset = build, None
        self.widget.choices = self.choices  # an iterator over this field, not the class's


class PlainModelChoiceField(LazyQueryset, forms.ModelChoiceField):
    iterator = PlainChoiceIterator


class PlainModelMultipleChoiceField(LazyQueryset, forms.ModelMultipleChoiceField):
    iterator = PlainChoiceIterator

    def clean(self, value):
        """Nothing chosen is an empty list, not an empty queryset to build and run."""
        if not self.required and not value:
            return []
        return super().clean(value)


class CategoryField(PlainModelChoiceField):
    """The category, checked against the cached active categories (the options are drawn
    from the queryset, when the empty form's part is not cached)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        category = active_categories().get(str(getattr(value, "pk", value)))
        if category is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return copy.copy(category)


class CategorySelect(forms.Select):
    """Each option carries its slug, so the page can show that category's questions."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-slug"] = instance.slug
        return option


# The parts of an empty form that look the same to everyone reading a language: the category
# choice with its questions, the priorities with an organisation tier's targets, the subject,
# the description and the other details. Drawing them is most of the form's time; they are
# kept in the cache of the ticket setup (cache.py) until categories, SLA policies or
# calendars change. What differs by person (services, colleagues) is drawn each time.
EMPTY_FORM_TEMPLATES = {
    "category": "tickets/_category_choice.html",
    "priority": "tickets/_priority_choices.html",
    "details": "tickets/_details.html",
}
# The parts that differ by organisation (its services) and person (their colleagues), kept
# in their own cache (cache.py: form_people) for an empty form too.
PEOPLE_FORM_TEMPLATES = {
    "service": "tickets/_service_choice.html",
    "colleagues": "tickets/_colleagues.html",
}
# A part is drawn afresh when the form was given a value for it beforehand (a category from
# an article, the subject of a follow-up, a service from its page).
PART_INITIAL = {"category": "category", "details": "subject", "service": "service"}


class TicketForm(forms.Form):
    category = CategoryField(
        label=gettext_lazy("What is it about?"),
        widget=CategorySelect,
        queryset=Category.objects.filter(is_active=True).select_related("team"),
        empty_label=gettext_lazy("Choose a category"),
    )
    priority = PriorityField(
        label=gettext_lazy("How urgent is it?"), widget=forms.RadioSelect, initial="P2"
    )
    service = PlainModelChoiceField(
        label=gettext_lazy("Affected service"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Not about one service"),
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_LIMIT,
        help_text=gettext_lazy("Markdown is supported. Never send passwords here."),
    )
    problem_started_at = forms.DateTimeField(
        label=gettext_lazy("When did the problem start?"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    what_was_tried = forms.CharField(
        label=gettext_lazy("What have you tried so far?"),
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    attachments = AttachmentsField(label=gettext_lazy("Attachments"), help_text=attachment_help)
    cc = PlainModelMultipleChoiceField(
        label=gettext_lazy("Copy in colleagues"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    form_token = forms.CharField(widget=forms.HiddenInput, required=False)
    follow_up = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, organization, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(self.question_fields)
        self.organization = organization
        self.user = user
        self.fields["priority"].choices = functools.cache(lambda: priority_choices(organization))
        self.fields["service"].build_later(lambda: organization.services.filter(is_active=True))
        self.fields["cc"].build_later(
            lambda: (
                User.objects.filter(memberships__organization=organization, is_active=True)
                .exclude(pk=user.pk)
                .order_by("full_name", "email")
            )
        )
        if not re.fullmatch(r"[A-Za-z0-9_\-]{20,64}", str(self.data.get("form_token", ""))):
            self.initial["form_token"] = secrets.token_urlsafe(24)
            if self.is_bound:
                self.data = self.data.copy()
                self.data["form_token"] = self.initial["form_token"]

    extra_groups = []  # (category slug, names of its questions' fields): see below
    # The questions' fields (see below), shared by every form rather than deep-copied for
    # each: nothing changes them after they are made (the form's own fields are copied, as
    # Django does, because __init__ sets their choices and querysets).
    question_fields = {}

    def category_groups(self):
        """(slug, bound fields) for the template: one group of extra questions per category."""
        return [(slug, [self[name] for name in names]) for slug, names in self.extra_groups]

    def part(self, name):
        """One of EMPTY_FORM_TEMPLATES's parts, drawn once per language (and tier) while the
        form is empty: no values, no errors, nothing given beforehand; the same for
        PEOPLE_FORM_TEMPLATES's, once per language and organisation (and person)."""
        template = EMPTY_FORM_TEMPLATES.get(name) or PEOPLE_FORM_TEMPLATES[name]
        if self.is_bound or self.initial.get(PART_INITIAL.get(name)):
            return render_to_string(template, {"form": self})
        key, cache = f"form-{name}:{get_language()}", ticket_setup
        if name == "priority":
            key += f":{self.organization.tier}"
        elif name in PEOPLE_FORM_TEMPLATES:
            key, cache = f"{key}:{self.organization.pk}", form_people
            if name == "colleagues":
                key += f":{self.user.pk}"
        return mark_safe(cache.cached(key, lambda: render_to_string(template, {"form": self})))

    def category_part(self):
        return self.part("category")

    def priority_part(self):
        return self.part("priority")

    def details_part(self):
        return self.part("details")

    def service_part(self):
        return self.part("service")

    def colleagues_part(self):
        return self.part("colleagues")

    def clean_problem_started_at(self):
        started = self.cleaned_data["problem_started_at"]
        if started is None:
            return None
        now = timezone.now()
        if started > now + PROBLEM_START_SKEW:
            raise forms.ValidationError(_("That time is still to come."))
        if started < now - PROBLEM_START_LIMIT:
            raise forms.ValidationError(_("That is more than ten years ago."))
        return started

    def extra_values(self):
        category = self.cleaned_data.get("category")
        if not category:
            return {}
        values = {}
        for key, _label, _kind in CATEGORY_FIELDS.get(category.slug, []):
            value = self.cleaned_data.get(extra_field_name(category.slug, key))
            if value:
                values[key] = value
        return values

    def ticket_fields(self):
        """What `services.open_ticket` takes from this form (the web form and the API alike)."""
        data = self.cleaned_data
        return {
            "subject": data["subject"],
            "description": data["description"],
            "priority": data["priority"],
            "category": data["category"],
            "service": data["service"],
            "cc": list(data["cc"]),
            "attachments": data["attachments"],
            "extra_fields": self.extra_values(),
            "problem_started_at": data["problem_started_at"],
            "what_was_tried": data["what_was_tried"],
        }


def add_category_questions(form_class):
    """CATEGORY_FIELDS's questions as optional fields of the form, once (they are code)."""
    for slug, questions in CATEGORY_FIELDS.items():
        names = []
        for key, label, kind in questions:
            name = extra_field_name(slug, key)
            if kind == "url":
                field = forms.URLField(
                    assume_scheme="https", label=label, required=False, max_length=500
                )
            else:
                field = forms.CharField(label=label, required=False, max_length=500)
            form_class.question_fields[name] = field
            names.append(name)
        form_class.extra_groups.append((slug, names))


add_category_questions(TicketForm)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your reply"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_LIMIT,
        help_text=gettext_lazy("Markdown is supported."),
    )
    attachments = AttachmentsField(label=gettext_lazy("Attachments"), help_text=attachment_help)


class UrgencyForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it more urgent now?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
