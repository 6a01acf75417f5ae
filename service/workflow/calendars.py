"""Working time in a calendar: due instants and elapsed working seconds, pure functions on data.

A calendar reaches this module as plain data (the `compiled` form that
deployment builds from a calendar file: zone rules, weekly hours in minutes,
closed dates), because the sandbox child that runs process scripts can open
no file: neither the zone database nor the holidays package is read here.

Duration semantics in a calendar: hours, minutes and seconds (`PT8H`) are
working time; `PnD` is n working days: the same time of day n working days
later, or the end of that day's hours when it closes earlier. A start outside
the hours counts from the next opening. Months and years have no meaning in
working time and are refused.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

AROUND_THE_CLOCK = "24x7"
# A calendar with hours only on dates beyond this many days ahead is as good as closed.
MAX_SCAN_DAYS = 3700
_DAY = timedelta(days=1)


class CalendarError(ValueError):
    """A calendar or a duration that working time cannot be counted in."""


@dataclass(frozen=True)
class Calendar:
    """`week[0]` is Monday: (opening, closing) minutes after midnight, sorted, disjoint."""

    id: str
    zone: ZoneInfo
    week: tuple[tuple[tuple[int, int], ...], ...]
    closed: frozenset[date]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Calendar:
        return _from_data(
            data["id"],
            data["zone"],
            data["tzif"],
            tuple(tuple((int(a), int(b)) for a, b in day) for day in data["week"]),
            tuple(data["closed"]),
        )

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as UTC instants (DST-aware: real elapsed time)."""
        if day in self.closed:
            return []
        found = []
        for start, end in self.week[day.weekday()]:
            found.append((self._instant(day, start), self._instant(day, end)))
        return found

    def _instant(self, day: date, minutes: int) -> datetime:
        # Wall-clock arithmetic: 09:00 stays 09:00 whatever offset the day has.
        local = datetime.combine(
            day + timedelta(days=minutes // 1440),
            time((minutes % 1440) // 60, minutes % 60),
            self.zone,
        )
        return local.astimezone(UTC)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()


@lru_cache(maxsize=32)
def _from_data(calendar_id, zone_name, tzif, week, closed) -> Calendar:
    zone = _zone(zone_name, tzif)
    if len(week) != 7:
        raise CalendarError("a week has 7 days")
    return Calendar(calendar_id, zone, week, frozenset(date.fromisoformat(d) for d in closed))


@lru_cache(maxsize=32)
def _zone(name: str, tzif: str) -> ZoneInfo:
    # ZoneInfo.from_file: the sandbox cannot open the zone database, the rules come as data.
    data = base64.b64decode(tzif)
    return ZoneInfo.from_file(io.BytesIO(data), key=name)


def parse_iso_duration(value: str) -> dict[str, float]:
    try:
        return TimerEventDefinition.parse_iso_duration(value)
    except Exception as exc:
        raise CalendarError(f"{value!r} is not an ISO 8601 duration") from exc


def split_duration(value: str) -> tuple[int, float]:
    """(working days, working seconds) of a duration counted in a calendar."""
    parts = parse_iso_duration(value)
    if parts.get("years") or parts.get("months"):
        raise CalendarError(f"{value!r}: months and years cannot be counted in working time")
    days = parts.get("days", 0) + 7 * parts.get("weeks", 0)
    if days != int(days):
        raise CalendarError(f"{value!r}: working days must be whole")
    seconds = parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60 + parts.get("seconds", 0)
    return int(days), float(seconds)


def next_working_instant(calendar: Calendar, instant: datetime) -> datetime:
    """`instant` if the calendar is open then, else its next opening."""
    day = calendar.local_date(instant) - _DAY
    for _ in range(MAX_SCAN_DAYS):
        for start, end in calendar.intervals(day):
            if end > instant:
                return max(start, instant)
        day += _DAY
    raise CalendarError(f"calendar {calendar.id!r} has no working time ahead")


def add_working_seconds(calendar: Calendar, start: datetime, seconds: float) -> datetime:
    """The instant when `seconds` of working time have passed since `start`."""
    remaining = timedelta(seconds=max(0.0, seconds))
    cursor = next_working_instant(calendar, start)
    if not remaining:
        return cursor
    day = calendar.local_date(cursor) - _DAY
    for _ in range(MAX_SCAN_DAYS):
        for begin, end in calendar.intervals(day):
            if end <= cursor:
                continue
            begin = max(begin, cursor)
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
            cursor = end
        day += _DAY
    raise CalendarError(f"calendar {calendar.id!r} has no working time ahead")


def working_seconds_between(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working seconds in [start, end); 0 when end is not after start."""
    if end <= start:
        return 0.0
    total = timedelta()
    day = calendar.local_date(start) - _DAY
    last = calendar.local_date(end) + _DAY
    while day <= last:
        for begin, close in calendar.intervals(day):
            lo, hi = max(begin, start), min(close, end)
            if hi > lo:
                total += hi - lo
        day += _DAY
    return total.total_seconds()


def working_span(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Working seconds from `start` to `end`, negative when `end` is earlier."""
    if end >= start:
        return working_seconds_between(calendar, start, end)
    return -working_seconds_between(calendar, end, start)


def add_working_days(calendar: Calendar, start: datetime, days: int) -> datetime:
    """The same time of day `days` working days later, or the end of that day's hours."""
    cursor = next_working_instant(calendar, start)
    if days <= 0:
        return cursor
    local = cursor.astimezone(calendar.zone)
    wall = local.time().replace(tzinfo=None, fold=0)
    day = local.date()
    for _ in range(MAX_SCAN_DAYS):
        day += _DAY
        intervals = calendar.intervals(day)
        if not intervals:
            continue
        days -= 1
        if days == 0:
            return _at_wall_time(calendar, day, wall, intervals)
    raise CalendarError(f"calendar {calendar.id!r} has no working days ahead")


def _at_wall_time(calendar, day, wall: time, intervals) -> datetime:
    """The latest working instant of `day` at or before the wall time; the opening if none."""
    moment = datetime.combine(day, wall, calendar.zone).astimezone(UTC)
    best = None
    for begin, end in intervals:
        if begin <= moment <= end:
            return moment
        if end < moment:
            best = end
    return best if best is not None else intervals[0][0]


def due(
    calendar: Calendar, start: datetime, duration: str, fraction: float, paused: float
) -> datetime:
    """When `fraction` of `duration` in working time has passed since `start`, plus
    `paused` working seconds."""
    days, seconds = split_duration(duration)
    full = add_working_days(calendar, start, days)
    # A day's closing is a due time of its own (`PnD` on a short day): not the next opening.
    if seconds or not days:
        full = add_working_seconds(calendar, full, seconds)
    if fraction == 1.0 and not paused:
        return full
    span = working_seconds_between(calendar, start, full) * float(fraction)
    return add_working_seconds(calendar, start, span + float(paused or 0))


class Calendars:
    """The calendars a process version was deployed with, by id (compiled data)."""

    def __init__(self, data: Mapping[str, Mapping[str, Any]] | None = None):
        self._data = dict(data or {})
        self._built: dict[str, Calendar] = {}

    def known(self) -> list[str]:
        return sorted({AROUND_THE_CLOCK, *self._data})

    def get(self, calendar_id: str | None) -> Calendar | None:
        """None for around the clock."""
        if calendar_id in (None, "", AROUND_THE_CLOCK):
            return None
        key = str(calendar_id)
        built = self._built.get(key)
        if built is None:
            data = self._data.get(key)
            if data is None:
                raise CalendarError(
                    f"unknown calendar {calendar_id!r}; known: {', '.join(self.known())}"
                )
            built = self._built[key] = Calendar.from_data(data)
        return built
