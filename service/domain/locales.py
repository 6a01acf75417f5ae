"""Languages the desk speaks and time zones people live in: which are valid, and how an
instant reads on someone's clock (storage stays UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# The first is the source language of every text; each other one has a catalog.
LANGUAGES = ("en", "el")
LANGUAGE_NAMES = {"en": "English", "el": "Ελληνικά"}


def is_language(value: object) -> bool:
    return isinstance(value, str) and value in LANGUAGES


def negotiate(accepted: list[tuple[str, float]]) -> str | None:
    """The first language the desk speaks among those a browser accepts (best first):
    `en-GB` is English, whatever other languages follow it at a lower weight."""
    for tag, quality in accepted:
        primary = tag.replace("_", "-").split("-", 1)[0].lower()
        if quality > 0 and primary in LANGUAGES:
            return primary
    return None


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """IANA names only: ZoneInfo also opens file paths and odd aliases a form should not offer."""
    return frozenset(available_timezones())


def is_time_zone(value: object) -> bool:
    if not isinstance(value, str) or value not in zone_names():
        return False
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo | type[UTC]:
    """The zone by name; UTC for a name that is not (or no longer) known."""
    return ZoneInfo(name) if name and is_time_zone(name) else UTC


def local(value: datetime | str | None, zone_name: str | None) -> datetime | None:
    """The instant on the zone's clock; None for none. Naive values are UTC (as stored)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone(zone_name))


def wall_clock(value: datetime | str | None, zone_name: str | None) -> str:
    """'2026-03-02 12:00 EET': minutes, with the zone's abbreviation (or offset, for the
    zones that have none) so no reader mistakes whose clock it is."""
    shown = local(value, zone_name)
    if shown is None:
        return ""
    abbreviation = shown.strftime("%Z")
    if not abbreviation or abbreviation[0] in "+-":
        abbreviation = "UTC" + shown.strftime("%z")[:3] + ":" + shown.strftime("%z")[3:]
    return shown.strftime("%Y-%m-%d %H:%M ") + abbreviation


def from_wall_clock(text: str, zone_name: str | None) -> datetime:
    """A `YYYY-MM-DDTHH:MM` typed on the zone's clock, as a UTC instant (ValueError if not)."""
    naive = datetime.strptime(text, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - the zone is applied next
    return naive.replace(tzinfo=zone(zone_name)).astimezone(UTC)
