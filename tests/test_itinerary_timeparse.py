"""Clock times, windows, durations and weekdays as typed on the command line."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuling_geo._util.errors import InputError
from wuling_geo._util.timeparse import (
    format_clock,
    format_duration,
    parse_clock,
    parse_date,
    parse_duration,
    parse_weekday,
    parse_window,
)


@given(st.integers(0, 24 * 60))
def test_clock_round_trip(minutes):
    text = format_clock(minutes * 60)
    assert parse_clock(text) == minutes * 60
    assert text == f"{minutes // 60:02d}:{minutes % 60:02d}"


@pytest.mark.parametrize(("text", "seconds"), [
    ("4h", 4 * 3600), ("90min", 5400), ("90", 5400), ("1h30", 5400), ("1h30m", 5400),
    ("2.5h", 9000), ("45 m", 2700), ("3 hours", 10800), ("0", 0),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_bare_numbers_and_timedeltas():
    assert parse_duration(4, bare_unit="h") == 4 * 3600
    assert parse_duration(dt.timedelta(minutes=75)) == 4500
    assert parse_duration(90) == 5400
    assert format_duration(5400) == "1h30" and format_duration(2700) == "45 min"


@pytest.mark.parametrize("bad", ["", "h", "four", "1h30x", "-1h", "90 seconds", "1:30"])
def test_bad_durations(bad):
    with pytest.raises(InputError, match="is not a duration"):
        parse_duration(bad)


@pytest.mark.parametrize("bad", ["8", "8:5", "24:30", "25:00", "08:60", "8h", "noon", ""])
def test_bad_clocks(bad):
    with pytest.raises(InputError, match="is not a clock time: use HH:MM"):
        parse_clock(bad)


def test_windows_weekdays_dates():
    assert parse_window("08:00-18:00") == (8 * 3600, 18 * 3600)
    assert parse_window(("8:30", "24:00")) == (8 * 3600 + 1800, 24 * 3600)
    assert parse_window("08:00–12:00") == (8 * 3600, 12 * 3600)  # en dash
    for bad, pattern in (("18:00-08:00", "ends before it starts"), ("08:00", "is not a window"),
                         ("08:00-12:00-14:00", "is not a window")):
        with pytest.raises(InputError, match=pattern):
            parse_window(bad)
    assert parse_weekday("Monday") == 0 and parse_weekday("sun") == 6 and parse_weekday(3) == 3
    assert parse_weekday(dt.date(2025, 7, 7)) == 0
    assert parse_date("2025-07-08") == dt.date(2025, 7, 8)
    with pytest.raises(InputError):
        parse_weekday(7)
