"""Working time in a calendar: due instants across weekends, holidays, pauses and DST."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.services.calendars.files import compile_calendars
from service.workflow.calendars import (
    CalendarError,
    Calendars,
    add_working_seconds,
    working_seconds_between,
)
from service.workflow.scripting import helpers
from tests.conftest import PROCESSES

ATHENS = ZoneInfo("Europe/Athens")
SHIPPED = PROCESSES / "calendars" / "athens-business.calendar.json"


def athens(*args) -> datetime:
    return datetime(*args, tzinfo=ATHENS)


def calendars(**extra) -> Calendars:
    files = {"athens-business.calendar.json": SHIPPED.read_bytes()}
    files |= {f"{name}.calendar.json": json.dumps(doc).encode() for name, doc in extra.items()}
    compiled, problems = compile_calendars(files)
    assert problems == []
    return Calendars(compiled)


CALENDARS = calendars(
    night={
        "time_zone": "Europe/Athens",
        "hours": {day: ["00:00-06:00", "22:00-24:00"] for day in ("monday", "tuesday")},
    },
    lunch={
        "time_zone": "Europe/Athens",
        "hours": {"monday": ["09:00-13:00", "14:00-18:00"], "tuesday": ["09:00-12:00"]},
    },
)
BUSINESS = CALENDARS.get("athens-business")
SCRIPT = helpers(lambda: datetime.now(UTC), CALENDARS)


def due(start: datetime, duration: str, calendar="athens-business", **kw) -> datetime:
    return datetime.fromisoformat(
        SCRIPT["sla_due"](start.isoformat(), duration, calendar=calendar, **kw)
    )


def test_business_hours_skip_the_night_and_the_weekend():
    # Friday 16:00: one hour left that day, then Monday (after the DST change to +03:00).
    assert due(athens(2026, 3, 27, 16), "PT3H") == athens(2026, 3, 30, 11)
    assert due(athens(2026, 3, 27, 16), "PT24H") == athens(2026, 4, 1, 16)
    # Reported on Saturday: the clock starts at Monday's opening.
    assert due(athens(2026, 3, 28, 10), "PT1H") == athens(2026, 3, 30, 10)
    assert due(athens(2026, 3, 30, 7), "PT30M") == athens(2026, 3, 30, 9, 30)


def test_greek_public_holidays_are_closed():
    # 25 March 2026 is a Wednesday and a holiday.
    assert due(athens(2026, 3, 24, 16), "PT2H") == athens(2026, 3, 26, 10)
    # Good Friday 10 April and Orthodox Easter Monday 13 April 2026.
    assert due(athens(2026, 4, 9, 16), "PT2H") == athens(2026, 4, 14, 10)
    # 15 August 2025 is a Friday.
    assert due(athens(2025, 8, 14, 12), "PT8H") == athens(2025, 8, 18, 12)


def test_working_days_keep_the_time_of_day():
    assert due(athens(2026, 3, 27, 16), "P5D") == athens(2026, 4, 3, 16)
    # The 13 April holiday is skipped, and so is Good Friday.
    assert due(athens(2026, 4, 8, 11), "P2D") == athens(2026, 4, 14, 11)
    # Outside the hours: counted from the next opening.
    assert due(athens(2026, 3, 28, 12), "P1D") == athens(2026, 3, 31, 9)
    assert due(athens(2026, 3, 2, 9), "P1DT2H") == athens(2026, 3, 3, 11)


def test_a_shorter_day_ends_at_its_closing():
    # Monday 15:00 plus one working day: Tuesday closes at 12:00.
    assert due(athens(2026, 3, 2, 15), "P1D", calendar="lunch") == athens(2026, 3, 3, 12)
    # The lunch break is not working time.
    assert due(athens(2026, 3, 2, 12), "PT2H", calendar="lunch") == athens(2026, 3, 2, 15)


def test_the_warning_is_a_fraction_of_the_working_time():
    start = athens(2026, 3, 27, 16)
    # 18 of 24 working hours: Friday 1, Monday 8, Tuesday 8, Wednesday 1.
    assert due(start, "PT24H", fraction=0.75) == athens(2026, 4, 1, 10)
    # Half of the 40 working hours to Friday 3 April 16:00.
    assert due(start, "P5D", fraction=0.5) == athens(2026, 4, 1, 12)


def test_a_pause_across_closing_time_counts_working_seconds_only():
    # On hold Thursday 16:00 to Monday 10:00 (Friday a full day): 1 + 8 + 1 hours.
    paused = working_seconds_between(BUSINESS, athens(2026, 3, 26, 16), athens(2026, 3, 30, 10))
    assert paused == 10 * 3600
    assert due(athens(2026, 3, 26, 9), "PT8H", paused_seconds=paused) == athens(2026, 3, 30, 11)
    since = helpers(lambda: athens(2026, 3, 30, 10).astimezone(UTC), CALENDARS)["seconds_since"]
    assert since(athens(2026, 3, 26, 16).isoformat(), calendar="athens-business") == paused


def test_dst_changes_in_athens():
    # Spring forward on 29 March 2026 and back on 25 October 2026: working hours stay
    # 09:00-17:00 local, so the instant in UTC moves by an hour.
    assert due(athens(2026, 3, 27, 16), "PT2H") == datetime(2026, 3, 30, 7, tzinfo=UTC)
    assert due(athens(2026, 10, 23, 16), "PT2H") == datetime(2026, 10, 26, 8, tzinfo=UTC)
    # Hours across a night with the change: the real elapsed time counts.
    around = calendars(
        nights={"time_zone": "Europe/Athens", "hours": {"sunday": ["00:00-06:00"]}}
    ).get("nights")
    assert working_seconds_between(around, athens(2026, 3, 29, 0), athens(2026, 3, 30)) == 5 * 3600
    assert (
        working_seconds_between(around, athens(2026, 10, 25, 0), athens(2026, 10, 26)) == 7 * 3600
    )


def test_hours_across_midnight_are_two_spans():
    # Monday 23:00: one hour to midnight, then Tuesday from 00:00.
    assert due(athens(2026, 3, 2, 23), "PT3H", calendar="night") == athens(2026, 3, 3, 2)


def test_around_the_clock_is_unchanged():
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for calendar in (None, "24x7"):
        assert due(start, "PT4H", calendar=calendar) == start + timedelta(hours=4)
        assert due(start, "P5D", calendar=calendar, paused_seconds=3600) == start + timedelta(
            days=5, hours=1
        )


def test_unknown_calendars_and_durations_are_refused_clearly():
    with pytest.raises(CalendarError, match="unknown calendar 'mars'; known: 24x7, athens"):
        due(athens(2026, 3, 2, 9), "PT1H", calendar="mars")
    with pytest.raises(CalendarError, match="months and years"):
        due(athens(2026, 3, 2, 9), "P1M")


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001 - hypothesis adds the zone
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    first=st.integers(0, 200 * 3600),
    more=st.integers(0, 50 * 3600),
)
def test_due_is_after_the_start_and_grows_with_the_duration(start, first, more):
    earlier = add_working_seconds(BUSINESS, start, first)
    later = add_working_seconds(BUSINESS, start, first + more)
    assert start <= earlier <= later
    assert working_seconds_between(BUSINESS, start, later) == pytest.approx(first + more)
