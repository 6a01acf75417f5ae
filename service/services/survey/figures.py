"""Satisfaction in figures: of the surveys sent in a period, how many were answered,
the mean score and the share of good ratings (4 or 5), overall, week by week, and by
month by month, and by priority, tier and category of their incidents."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Incident, SatisfactionSurvey

# A rating this high or higher is good (the usual CSAT reading of a 1-5 scale).
GOOD_FROM = 4


@dataclass(frozen=True)
class SatisfactionFigures:
    group: str
    sent: int = 0
    answered: int = 0
    response_rate: float | None = None
    mean_score: float | None = None
    good_share: float | None = None


@dataclass(frozen=True)
class Satisfaction:
    overall: SatisfactionFigures
    by_priority: list[SatisfactionFigures]
    by_tier: list[SatisfactionFigures]
    by_category: list[SatisfactionFigures]
    # ISO weeks (2026-W10) of the period in order, the first and last possibly partial.
    by_week: list[SatisfactionFigures]
    # Calendar months (2026-03) of the period in order, likewise.
    by_month: list[SatisfactionFigures]


def of_period(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    priorities: tuple[str, ...],
    tiers: tuple[str, ...],
) -> Satisfaction:
    rows = session.execute(
        select(
            SatisfactionSurvey.score,
            SatisfactionSurvey.sent_at,
            Incident.priority,
            Incident.tier,
            Incident.category,
        )
        .join(Incident, Incident.id == SatisfactionSurvey.incident_id)
        .where(SatisfactionSurvey.sent_at >= start, SatisfactionSurvey.sent_at < end)
    ).all()
    categories = sorted({r.category for r in rows if r.category})

    def of(key: str, value: str) -> SatisfactionFigures:
        return _figures(value, [r.score for r in rows if getattr(r, key) == value])

    return Satisfaction(
        overall=_figures("all", [r.score for r in rows]),
        by_priority=[of("priority", p) for p in priorities],
        by_tier=[of("tier", t) for t in tiers],
        by_category=[of("category", c) for c in categories],
        by_week=[
            _figures(week, [r.score for r in rows if _week(r.sent_at) == week])
            for week in _weeks(start, end)
        ],
        by_month=[
            _figures(month, [r.score for r in rows if _month(r.sent_at) == month])
            for month in _months(start, end)
        ],
    )


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _weeks(start: datetime, end: datetime) -> list[str]:
    """Every week the period touches, so a week with no survey shows as one."""
    first = start - timedelta(days=start.weekday())
    weeks, monday = [], first.replace(hour=0, minute=0, second=0, microsecond=0)
    while monday < end:
        weeks.append(_week(monday))
        monday += timedelta(days=7)
    return weeks


def _month(moment: datetime) -> str:
    return f"{moment.year}-{moment.month:02d}"


def _months(start: datetime, end: datetime) -> list[str]:
    """Every month the period (end exclusive) touches, a month with no survey included."""
    last = end - timedelta(microseconds=1)
    months, year, month = [], start.year, start.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _figures(group: str, scores: list[int | None]) -> SatisfactionFigures:
    answered = [s for s in scores if s is not None]
    return SatisfactionFigures(
        group=group,
        sent=len(scores),
        answered=len(answered),
        response_rate=round(len(answered) / len(scores), 4) if scores else None,
        mean_score=round(statistics.fmean(answered), 2) if answered else None,
        good_share=(
            round(sum(1 for s in answered if s >= GOOD_FROM) / len(answered), 4)
            if answered
            else None
        ),
    )
