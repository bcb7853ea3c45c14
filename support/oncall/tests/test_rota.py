"""Who is on call at chosen instants: no database, plain values."""

from datetime import UTC, datetime, time, timedelta

from support.oncall.rota import SECONDARY, Override, Shift, Stint, on_call, timeline

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))


def utc(*args):
    return datetime(*args, tzinfo=UTC)


FOLLOW_THE_SUN = [
    Shift("li", EVERY_DAY, time(8), time(16), "Asia/Shanghai"),  # 00–08 UTC all year
    Shift("anna", EVERY_DAY, time(9), time(17), "Europe/Berlin"),  # 08–16 UTC in winter
    Shift("sam", EVERY_DAY, time(11), time(19), "America/New_York"),  # 16–24 UTC in winter
]


def test_follow_the_sun_in_winter_covers_the_day_without_gaps():
    assert on_call(utc(2026, 3, 2, 3), FOLLOW_THE_SUN) == "li"
    assert on_call(utc(2026, 3, 2, 8), FOLLOW_THE_SUN) == "anna"
    assert on_call(utc(2026, 3, 2, 15, 59), FOLLOW_THE_SUN) == "anna"
    assert on_call(utc(2026, 3, 2, 16), FOLLOW_THE_SUN) == "sam"
    assert on_call(utc(2026, 3, 2, 23, 59), FOLLOW_THE_SUN) == "sam"
    assert on_call(utc(2026, 3, 3, 0), FOLLOW_THE_SUN) == "li"


def test_shifts_keep_their_wall_clock_times_across_a_dst_change():
    # New York moves to summer time on 8 March 2026, Berlin only on 29 March: for three
    # weeks Sam starts at 15:00 UTC while Anna works until 16:00 UTC (the first shift wins).
    assert on_call(utc(2026, 3, 7, 15, 30), FOLLOW_THE_SUN) == "anna"
    assert on_call(utc(2026, 3, 9, 15, 30), FOLLOW_THE_SUN) == "anna"
    assert on_call(utc(2026, 3, 7, 23, 30), FOLLOW_THE_SUN) == "sam"  # 18:30 EST
    assert on_call(utc(2026, 3, 9, 23, 30), FOLLOW_THE_SUN) is None  # 19:30 EDT: a gap
    # From 30 March Berlin is on CEST: Anna hands over to Sam at 15:00 UTC.
    assert on_call(utc(2026, 3, 27, 15, 30), FOLLOW_THE_SUN) == "anna"  # 16:30 CET
    assert on_call(utc(2026, 3, 30, 15, 30), FOLLOW_THE_SUN) == "sam"
    sam = [FOLLOW_THE_SUN[2]]
    starts = [s.starts_at for s in timeline(utc(2026, 3, 6), utc(2026, 3, 10), sam) if s.person]
    assert starts == [
        utc(2026, 3, 6, 16),
        utc(2026, 3, 7, 16),
        utc(2026, 3, 8, 15),
        utc(2026, 3, 9, 15),
    ]


def test_a_night_shift_over_the_night_the_clocks_go_forward_is_an_hour_shorter():
    night = [Shift("nico", EVERY_DAY, time(22), time(6), "Europe/Berlin")]
    stints = [s for s in timeline(utc(2026, 3, 28, 12), utc(2026, 3, 29, 12), night) if s.person]
    assert stints == [Stint("nico", utc(2026, 3, 28, 21), utc(2026, 3, 29, 4))]  # 7 hours
    # In autumn the same shift is 9 hours long.
    stints = [s for s in timeline(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12), night) if s.person]
    assert stints == [Stint("nico", utc(2026, 10, 24, 20), utc(2026, 10, 25, 5))]
    # 02:30 on 25 October happens twice in Berlin; both are inside the shift.
    assert on_call(utc(2026, 10, 25, 0, 30), night) == "nico"
    assert on_call(utc(2026, 10, 25, 1, 30), night) == "nico"


def test_hand_over_at_midnight():
    week = [
        Shift("weekday", WEEKDAYS, time(0), time(0), "Asia/Shanghai"),
        Shift("weekend", frozenset({5, 6}), time(0), time(0), "Asia/Shanghai"),
    ]
    # Saturday 5 December 2026 00:00 in Shanghai is Friday 16:00 UTC.
    assert on_call(utc(2026, 12, 4, 15, 59, 59), week) == "weekday"
    assert on_call(utc(2026, 12, 4, 16), week) == "weekend"
    assert on_call(utc(2026, 12, 6, 15, 59, 59), week) == "weekend"
    assert on_call(utc(2026, 12, 6, 16), week) == "weekday"  # Monday 00:00
    hand_overs = timeline(utc(2026, 12, 3), utc(2026, 12, 8), week)
    assert [(s.person, s.starts_at) for s in hand_overs] == [
        ("weekday", utc(2026, 12, 3)),
        ("weekend", utc(2026, 12, 4, 16)),
        ("weekday", utc(2026, 12, 6, 16)),
    ]


def test_an_override_beats_the_pattern_only_while_it_lasts():
    week = [Shift("agent", EVERY_DAY, time(0), time(0), "UTC")]
    cover = Override("cover", utc(2026, 12, 24, 18), utc(2026, 12, 26, 8))
    assert on_call(utc(2026, 12, 24, 17, 59), week, [cover]) == "agent"
    assert on_call(utc(2026, 12, 24, 18), week, [cover]) == "cover"
    assert on_call(utc(2026, 12, 26, 7, 59), week, [cover]) == "cover"
    assert on_call(utc(2026, 12, 26, 8), week, [cover]) == "agent"
    swap = Override("swap", utc(2026, 12, 25), utc(2026, 12, 25, 6))
    assert on_call(utc(2026, 12, 25, 1), week, [cover, swap]) == "swap"  # the later one wins
    stints = timeline(utc(2026, 12, 24), utc(2026, 12, 24) + timedelta(days=7), week, [cover])
    assert [s.person for s in stints] == ["agent", "cover", "agent"]


def test_secondary_is_a_separate_layer():
    shifts = [
        Shift("first", EVERY_DAY, time(0), time(0)),
        Shift("second", EVERY_DAY, time(0), time(0), role=SECONDARY),
    ]
    assert on_call(utc(2026, 6, 1), shifts) == "first"
    assert on_call(utc(2026, 6, 1), shifts, role=SECONDARY) == "second"
    assert on_call(utc(2026, 6, 1), []) is None
