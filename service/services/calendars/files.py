"""Calendar files (`<id>.calendar.json`): read, checked, compiled to the data scripts count with.

A file names a time zone, the weekly opening hours, public holidays by
country (and region) from the `holidays` package, extra holidays and closed
dates. Compiling expands the holidays over a fixed span of years and embeds
the zone's rules, so that the sandbox (which opens no file) counts with data
alone, and the same file compiles to the same bytes on every deployment.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

import holidays

from ...domain.errors import Problem
from ...workflow.calendars import AROUND_THE_CLOCK

CALENDAR_SUFFIX = ".calendar.json"
# Holidays are expanded over these years: due times beyond them see no public holiday.
YEARS = range(2000, 2100)
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KEYS = frozenset({"name", "time_zone", "hours", "holidays", "closed"})
HOLIDAY_KEYS = frozenset({"country", "subdivision", "extra"})
_SPAN = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")


def is_calendar(name: str) -> bool:
    return name.endswith(CALENDAR_SUFFIX)


def calendar_id(name: str) -> str:
    return name.removesuffix(CALENDAR_SUFFIX)


class _Refused(Exception):
    def __init__(self, pointer: str, message: str):
        super().__init__(message)
        self.pointer, self.message = pointer, message


def compile_calendars(files: dict[str, bytes]) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """(compiled calendars by id, problems) for calendar files by name."""
    compiled: dict[str, dict[str, Any]] = {}
    problems: list[Problem] = []
    for name, content in sorted(files.items()):
        try:
            compiled[calendar_id(name)] = compile_calendar(name, content)
        except _Refused as exc:
            where = exc.pointer or "/"
            problems.append(Problem(name, f"{where}: {exc.message}", pointer=exc.pointer))
    return compiled, problems


@lru_cache(maxsize=64)
def compile_calendar(name: str, content: bytes) -> dict[str, Any]:
    """Cached: expanding a century of holidays takes a tenth of a second. Callers copy
    nothing out of it and must not change it."""
    cid = calendar_id(name)
    if cid == AROUND_THE_CLOCK:
        raise _Refused("", f"{AROUND_THE_CLOCK} is built in (around the clock): pick another name")
    if not _ID.match(cid):
        raise _Refused("", "a calendar id (the file name) is lower-case letters, digits, - and _")
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused("", f"not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise _Refused("", "a calendar is a JSON object")
    for key in sorted(set(document) - KEYS):
        raise _Refused(f"/{key}", f"unknown field; known: {', '.join(sorted(KEYS))}")
    zone = document.get("time_zone")
    tzif = _zone_rules(zone)
    week = _week(document.get("hours"))
    closed = _holidays(document.get("holidays") or {}) | _closed(document.get("closed") or [])
    return {
        "id": cid,
        "name": str(document.get("name") or cid),
        "zone": zone,
        "tzif": tzif,
        "week": week,
        "closed": sorted(day.isoformat() for day in closed),
    }


def _zone_rules(zone: Any) -> str:
    """The zone's TZif bytes from the tzdata package (the same rules on every machine)."""
    if not isinstance(zone, str) or not re.match(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$", zone):
        raise _Refused("/time_zone", f"{zone!r} is not an IANA time zone such as Europe/Athens")
    try:
        data = resources.files("tzdata.zoneinfo").joinpath(*zone.split("/")).read_bytes()
    except (OSError, ValueError):
        data = b""
    if not data.startswith(b"TZif"):
        raise _Refused("/time_zone", f"{zone!r} is not an IANA time zone such as Europe/Athens")
    return base64.b64encode(data).decode()


def _week(hours: Any) -> list[list[list[int]]]:
    if not isinstance(hours, dict):
        raise _Refused("/hours", 'weekly opening hours: {"monday": ["09:00-17:00"], ...}')
    for key in sorted(set(hours) - set(DAYS)):
        raise _Refused(f"/hours/{key}", f"not a day of the week; days: {', '.join(DAYS)}")
    week = []
    for day in DAYS:
        spans = hours.get(day) or []
        if not isinstance(spans, list):
            raise _Refused(f"/hours/{day}", 'a list of spans such as ["09:00-17:00"]')
        parsed = sorted(_span(f"/hours/{day}/{i}", span) for i, span in enumerate(spans))
        for (_, end), (start, _) in pairwise(parsed):
            if start < end:
                raise _Refused(f"/hours/{day}", "opening hours overlap")
        week.append([list(span) for span in parsed])
    if not any(week):
        raise _Refused("/hours", "no opening hours on any day: the clock would never run")
    return week


def _span(pointer: str, span: Any) -> tuple[int, int]:
    match = _SPAN.match(span) if isinstance(span, str) else None
    if match is None:
        raise _Refused(pointer, f"{span!r} is not a span such as 09:00-17:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise _Refused(pointer, f"{span!r} is not a time of day (00:00 to 24:00)")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if end <= start:
        raise _Refused(
            pointer,
            f"{span!r} ends before it starts: hours across midnight are two spans, "
            "one to 24:00 and one from 00:00 the next day",
        )
    return start, end


def _holidays(spec: Any) -> set[date]:
    if not isinstance(spec, dict):
        raise _Refused("/holidays", 'an object such as {"country": "GR"}')
    for key in sorted(set(spec) - HOLIDAY_KEYS):
        raise _Refused(
            f"/holidays/{key}", f"unknown field; known: {', '.join(sorted(HOLIDAY_KEYS))}"
        )
    found: set[date] = set()
    country, region = spec.get("country"), spec.get("subdivision")
    if country is not None:
        supported = holidays.list_supported_countries()
        if not isinstance(country, str) or country not in supported:
            raise _Refused(
                "/holidays/country",
                f"{country!r} is not a country the holidays package knows "
                "(an ISO 3166 code such as GR)",
            )
        if region is not None and region not in supported[country]:
            raise _Refused(
                "/holidays/subdivision",
                f"{region!r} is not a region of {country}; "
                f"known: {', '.join(supported[country]) or 'none'}",
            )
        found |= set(holidays.country_holidays(country, subdiv=region, years=YEARS))
    elif region is not None:
        raise _Refused("/holidays/subdivision", "a region needs a country")
    extra = spec.get("extra") or []
    if not isinstance(extra, list):
        raise _Refused("/holidays/extra", 'a list of dates such as ["2026-12-24"]')
    for i, value in enumerate(extra):
        found.add(_date(f"/holidays/extra/{i}", value))
    return found


def _closed(spec: Any) -> set[date]:
    """Dates, or spans of dates as `2026-08-10/2026-08-14` (both included)."""
    if not isinstance(spec, list):
        raise _Refused("/closed", 'a list of dates such as ["2026-12-31", "2026-08-10/2026-08-14"]')
    found: set[date] = set()
    for i, value in enumerate(spec):
        pointer = f"/closed/{i}"
        if isinstance(value, str) and "/" in value:
            first, last = (_date(pointer, part) for part in value.split("/", 1))
            if last < first or (last - first).days > 366:
                raise _Refused(
                    pointer, f"{value!r} is not a span of at most a year, first date first"
                )
            found |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
        else:
            found.add(_date(pointer, value))
    return found


def _date(pointer: str, value: Any) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise _Refused(pointer, f"{value!r} is not a date such as 2026-12-24") from None


def unknown_references(tables: dict[str, Any], calendar_files: Iterable[str]) -> list[Problem]:
    """Cells of decision tables' `calendar` output that name no deployed calendar.

    `tables`: DMN documents by file name. A refused calendar file still counts as
    deployed here: it is reported for itself, not again for each table naming it.
    """
    known = {AROUND_THE_CLOCK} | {calendar_id(name) for name in calendar_files}
    problems = []
    for name, root in tables.items():
        problems += _unknown_in(name, root, known)
    return problems


def _unknown_in(name: str, root, known: set[str]) -> list[Problem]:
    problems = []
    for table in root.iter("{*}decisionTable"):
        outputs = [output.get("name") for output in table.findall("{*}output")]
        if "calendar" not in outputs:
            continue
        column = outputs.index("calendar")
        for rule in table.findall("{*}rule"):
            entries = rule.findall("{*}outputEntry")
            if column >= len(entries):
                continue
            cell = entries[column]
            text = (cell.findtext("{*}text") or "").strip()
            value = text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else None
            if value is not None and value not in known:
                listed = ", ".join(sorted(known))
                message = f"the calendar {value!r} is not deployed; known: {listed}"
                problems.append(
                    Problem(name, message, cell.get("id") or rule.get("id"), cell.sourceline)
                )
    return problems
