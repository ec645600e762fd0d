"""Clock times, time windows, durations and weekdays as people type them.

``"08:00"`` → seconds after midnight; ``"08:00-18:00"`` → a window; ``"4h"``, ``"90min"``,
``"1h30"`` → seconds; ``"mon"`` → 0. Anything else raises :class:`InputError` with a
one-line message that shows the expected form.
"""

from __future__ import annotations

import datetime as _dt
import re

from wuling_geo._util.errors import InputError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 24 * 3600

_CLOCK_RE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*$")
_DURATION_RE = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:m|min|mins|minutes?)?)?\s*$")


def parse_clock(text: str, what: str = "time") -> int:
    """Return seconds after midnight for ``"HH:MM"`` (``"8:00"``, ``"24:00"`` allowed).

    Raises
    ------
    InputError
        If ``text`` is not a clock time between 00:00 and 24:00.
    """
    match = _CLOCK_RE.match(str(text))
    hours = int(match.group(1)) if match else -1
    minutes = int(match.group(2) or 0) if match else -1
    if not match or match.group(2) is None or hours > 24 or minutes > 59 or (
            hours == 24 and minutes):
        raise InputError(f"{what} {text!r} is not a clock time: use HH:MM, e.g. 08:30")
    return hours * 3600 + minutes * 60


def parse_window(value: str | tuple[str, str] | list[str], what: str = "time window"
                 ) -> tuple[int, int]:
    """Return ``(start, end)`` seconds for ``"08:00-18:00"`` or ``("08:00", "18:00")``.

    Raises
    ------
    InputError
        If either end is malformed or the window does not end after it starts.
    """
    if isinstance(value, str):
        parts = value.replace("–", "-").split("-")
        if len(parts) != 2:
            raise InputError(f"{what} {value!r} is not a window: use HH:MM-HH:MM, e.g. 08:00-18:00")
    elif isinstance(value, tuple | list) and len(value) == 2:
        parts = list(value)
    else:
        raise InputError(f"{what} {value!r} is not a window: use HH:MM-HH:MM, e.g. 08:00-18:00")
    start, end = parse_clock(parts[0], what), parse_clock(parts[1], what)
    if end <= start:
        raise InputError(f"{what} {format_clock(start)}-{format_clock(end)} ends before it starts: "
                         "give the earlier time first (windows cannot cross midnight)")
    return start, end


def parse_duration(value: str | float | _dt.timedelta, what: str = "duration",
                   bare_unit: str = "min") -> int:
    """Return whole seconds for ``"4h"``, ``"90min"``, ``"1h30"``, ``"2.5h"`` or a number.

    A bare number (``90`` or ``"90"``) is in ``bare_unit`` (``"min"`` or ``"h"``).

    Raises
    ------
    InputError
        If the value is malformed or negative.
    """
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, bool):
        raise InputError(f"{what} {value!r} is not a duration: use e.g. 4h, 90min or 1h30")
    elif isinstance(value, int | float):
        seconds = float(value) * (3600 if bare_unit == "h" else 60)
    else:
        text = str(value).strip().lower()
        match = _DURATION_RE.match(text)
        if not text or not match or not (match.group("h") or match.group("m")):
            raise InputError(f"{what} {value!r} is not a duration: use e.g. 4h, 90min or 1h30")
        hours, minutes = match.group("h"), match.group("m")
        if hours is None and re.fullmatch(r"\d+(?:\.\d+)?", text):  # a bare number
            seconds = float(text) * (3600 if bare_unit == "h" else 60)
        else:
            seconds = float(hours or 0) * 3600 + float(minutes or 0) * 60
    if not seconds >= 0 or seconds != seconds or seconds > 366 * DAY_SECONDS:
        raise InputError(f"{what} {value!r} must be a duration of zero or more")
    return round(seconds)


def parse_weekday(value: str | int | _dt.date) -> int:
    """Return 0 (Monday) … 6 (Sunday) for ``"mon"``/``"Monday"``, 0–6 or a date."""
    if isinstance(value, _dt.date):
        return value.weekday()
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    key = str(value).strip().lower()[:3]
    if key in WEEKDAYS and str(value).strip():
        return WEEKDAYS.index(key)
    raise InputError(f"weekday {value!r} is not one of mon, tue, wed, thu, fri, sat, sun")


def parse_date(value: str | _dt.date) -> _dt.date:
    """Return a date for ``"YYYY-MM-DD"`` (or a date)."""
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"date {value!r} is not a date: use YYYY-MM-DD, e.g. 2025-07-01") from None


def format_clock(seconds: float) -> str:
    """Return ``"HH:MM"`` for seconds after midnight (rounded to the minute)."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_duration(seconds: float) -> str:
    """Return ``"2h05"``, ``"45 min"`` or ``"0 min"`` for a duration in seconds."""
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60}h{minutes % 60:02d}"
