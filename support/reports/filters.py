"""The filter bar every staff report shares: period, tier, priority, team, category,
organisation."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from support.tickets.models import Category, Priority

from .periods import Period

FIELDS = ("tier", "priority", "team", "category", "organization")


class QuickSelect(forms.Select):
    """A <select> drawn in Python: the organisation list has hundreds of options, and
    Django's template per option cost more than the rest of a report's page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = "".join(
            f'\n  <option value="{escape(option["value"])}"'
            f"{' selected' if option['selected'] else ''}>{escape(option['label'])}</option>"
            for _group, group_options, _index in widget["optgroups"]
            for option in group_options
        )
        attrs = flatatt(widget["attrs"])
        return mark_safe(f'<select name="{escape(widget["name"])}"{attrs}>{options}\n</select>')


class NameChoiceIterator(forms.models.ModelChoiceIterator):
    """(pk, name) pairs straight from one query: no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class ReportFilters(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "pattern": r"\d{4}-\d{2}"}),
    )
    start = forms.DateField(
        label=_("Or from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tier = forms.ChoiceField(
        label=_("Tier"),
        required=False,
        choices=[("", _("All tiers")), *Organization.Tier.choices],
        widget=QuickSelect,
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("All priorities")), *Priority.choices],
        widget=QuickSelect,
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=None,
        empty_label=_("All teams"),
        widget=QuickSelect,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=None,
        empty_label=_("All categories"),
        widget=QuickSelect,
    )
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        required=False,
        queryset=None,
        empty_label=_("All organisations"),
        widget=QuickSelect,
    )

    def __init__(self, data, scope):
        data = data or {}
        super().__init__(data if any(data.values()) else None)
        self.scope = scope
        self.fields["team"].queryset = scope.teams()
        self.fields["category"].queryset = Category.objects.order_by("position", "name")
        self.fields["organization"].iterator = NameChoiceIterator
        self.fields["organization"].queryset = Organization.objects.order_by("name")
        self.period = Period.from_query(data)
        if not data.get("month") and not (data.get("start") and data.get("end")):
            self.initial["month"] = self.period.slug

    def value(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None

    def apply(self, tickets, prefix=""):
        """Tickets (or rows reaching tickets through `prefix`, e.g. "ticket__") filtered."""
        lookups = {
            "tier": "organization__tier",
            "priority": "priority",
            "team": "team",
            "category": "category",
            "organization": "organization",
        }
        for name, lookup in lookups.items():
            value = self.value(name)
            if value:
                tickets = tickets.filter(**{prefix + lookup: value})
        return tickets

    def active(self):
        """{name: value} of the filters set, besides the period (for links and CSV names)."""
        if not self.is_valid():
            return {}
        return {
            name: getattr(value, "pk", value)
            for name in FIELDS
            if (value := self.cleaned_data.get(name))
        }
