import datetime

from django.utils import timezone

from support.reports.periods import Period, parse_day, parse_month


def this_year():
    return timezone.localdate(timezone=timezone.get_default_timezone()).year


def test_months_and_days_run_from_2000_to_next_year():
    last = this_year() + 1
    assert parse_month("2000-01") == datetime.date(2000, 1, 1)
    assert parse_month(f"{last}-12") == datetime.date(last, 12, 1)
    assert parse_day("2000-01-01") == datetime.date(2000, 1, 1)
    assert parse_day(f"{last}-12-31") == datetime.date(last, 12, 31)
    for month in ("1999-12", f"{last + 1}-01", "0001-01", "9999-12", "garbage", "", None):
        assert parse_month(month) is None
    for day in ("1999-12-31", f"{last + 1}-01-01", "0001-01-01", "9999-12-31", "garbage"):
        assert parse_day(day) is None


def test_out_of_range_dates_give_the_current_month():
    today = datetime.date(2026, 12, 1)
    current = Period.month(today)
    for query in (
        {"month": "9999-12"},
        {"month": "0001-01"},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-02"},
    ):
        assert Period.from_query(query, today=today) == current
