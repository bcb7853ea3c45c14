"""One date, time and duration style, in the viewer's language and time zone."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from portal import dates

MOMENT = datetime.datetime(2026, 11, 30, 7, 8, tzinfo=datetime.UTC)


def render(source, **context):
    return Template(source).render(Context(context))


@pytest.fixture
def berlin():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Berlin")):
        yield


@pytest.fixture
def shanghai_in_chinese():
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")), translation.override("zh-hans"):
        yield


def test_english_dates_in_the_viewers_zone(berlin):
    assert render("{{ moment|local_date }}", moment=MOMENT) == "30 Nov 2026"
    assert render("{{ moment|local_datetime }}", moment=MOMENT) == "30 Nov 2026, 08:08"
    assert render('{{ moment|local_datetime:"zone" }}', moment=MOMENT) == (
        "30 Nov 2026, 08:08 (Europe/Berlin)"
    )
    assert render("{% time_zone_note %}") == "Times in Europe/Berlin."


def test_chinese_dates_in_the_viewers_zone(shanghai_in_chinese):
    assert render("{{ moment|local_date }}", moment=MOMENT) == "2026年11月30日"
    assert render("{{ moment|local_datetime }}", moment=MOMENT) == "2026年11月30日 15:08"
    # The Django date filter with a named format follows the same style.
    assert render('{{ moment|date:"DATETIME_FORMAT" }}', moment=MOMENT) == "2026年11月30日 15:08"


def test_the_day_is_the_viewers_day():
    late = datetime.datetime(2026, 11, 30, 20, 0, tzinfo=datetime.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Shanghai")):
        assert dates.format_date(late) == "1 Dec 2026"


def test_named_django_formats_are_the_portal_style():
    with translation.override("en"), timezone.override(zoneinfo.ZoneInfo("UTC")):
        for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
            text = render('{{ moment|date:"' + name + '" }}', moment=MOMENT)
            assert text == "30 Nov 2026, 07:08"
        assert render('{{ moment|date:"DATE_FORMAT" }}', moment=MOMENT) == "30 Nov 2026"


@pytest.mark.parametrize(
    "seconds, text",
    [
        (12 * 60 + 30, "in 12 minutes"),
        (-3 * 3600 - 600, "3 hours ago"),
        (61, "in 1 minute"),
        (20, "now"),
        (-20, "now"),
        (-5 * 86400, "5 days ago"),
    ],
)
def test_relative_times(seconds, text):
    with translation.override("en"):
        value = MOMENT + datetime.timedelta(seconds=seconds)
        assert dates.format_relative(value, now=MOMENT) == text


def test_relative_times_in_chinese():
    with translation.override("zh-hans"):
        assert dates.format_relative(MOMENT + datetime.timedelta(minutes=12), MOMENT) == (
            "12 分钟后"
        )
        assert dates.format_relative(MOMENT - datetime.timedelta(hours=3), MOMENT) == "3 小时前"


def test_a_deadline_passed_is_overdue_never_zero_minutes():
    with translation.override("en"):
        assert dates.format_time_left(MOMENT, now=MOMENT) == "overdue"
        assert dates.format_time_left(MOMENT + datetime.timedelta(seconds=20), MOMENT) == (
            "in 1 minute"
        )


@pytest.mark.parametrize(
    "value, business_day, text",
    [
        (15, None, "15 minutes"),
        (Decimal("7.5"), None, "8 minutes"),
        (1, None, "1 minute"),
        (0, None, "less than a minute"),
        (60, None, "1 hour"),
        (120, None, "2 hours"),
        (90, None, "1 hour 30 minutes"),
        (24 * 60, None, "24 hours"),
        (5 * 24 * 60, None, "5 days"),
        (5 * 8 * 60, 8 * 60, "5 business days"),
        (4 * 60, 8 * 60, "4 business hours"),
        (datetime.timedelta(minutes=45), None, "45 minutes"),
    ],
)
def test_durations(value, business_day, text):
    with translation.override("en"):
        assert dates.format_duration(value, business_day) == text


def test_durations_in_chinese():
    with translation.override("zh-hans"):
        assert dates.format_duration(8) == "8 分钟"
        assert dates.format_duration(5 * 8 * 60, 8 * 60) == "5 个工作日"


def test_duration_filter():
    with translation.override("en"):
        assert render("{{ value|duration }}", value=Decimal("120.0")) == "2 hours"


def test_staff_see_overdue_not_zero_minutes():
    from types import SimpleNamespace

    from support.tickets.templatetags.tickets_tags import sla_left

    with translation.override("en"):
        due_soon = SimpleNamespace(next_due_at=MOMENT + datetime.timedelta(seconds=20))
        assert sla_left(due_soon, now=MOMENT) == "in 1 minute"
        assert sla_left(SimpleNamespace(next_due_at=MOMENT), now=MOMENT) == "overdue"
        late = SimpleNamespace(next_due_at=MOMENT - datetime.timedelta(minutes=23))
        assert sla_left(late, now=MOMENT) == "23 minutes late"


@pytest.mark.django_db
def test_seeded_targets_are_whole_minutes_and_read_as_such():
    from accounts.models import Organization
    from support.tickets.forms import priority_choices
    from support.tickets.models import SlaPolicy

    for policy in SlaPolicy.objects.all():
        for value in (policy.first_response_minutes, policy.resolution_minutes):
            assert value is None or value == int(value), policy
    enterprise = Organization(tier=Organization.Tier.ENTERPRISE)
    with translation.override("en"):
        choices = dict(priority_choices(enterprise))
        standard = dict(priority_choices(Organization(tier=Organization.Tier.STANDARD)))
    assert choices["P0"].endswith("first response within 8 minutes, 24×7")
    assert standard["P0"].endswith("first response within 15 minutes, 24×7")
    assert standard["P2"].endswith("first response within 4 business hours")


def test_kept_answers_follow_the_readers_language_and_time_zone():
    """Dates and phrases are kept per language and time zone (dates.kept_per_locale): each
    reader still gets their own, in whichever order they ask."""
    readers = [
        ("en", "UTC", "30 Nov 2026, 07:08", "5 minutes", "in 5 minutes"),
        ("zh-hans", "Asia/Shanghai", "2026年11月30日 15:08", "5 分钟", "5 分钟后"),
        ("en", "Europe/Berlin", "30 Nov 2026, 08:08", "5 minutes", "in 5 minutes"),
        ("en", "UTC", "30 Nov 2026, 07:08", "5 minutes", "in 5 minutes"),
    ]
    for language, zone, moment, duration, soon in readers:
        with translation.override(language), timezone.override(zoneinfo.ZoneInfo(zone)):
            assert dates.format_datetime(MOMENT) == moment
            assert dates.minutes(5) == duration
            assert dates.format_relative(MOMENT + datetime.timedelta(minutes=5), MOMENT) == soon
