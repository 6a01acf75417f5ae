"""What a survey's mails know beyond the event: the one-click links (for the reporter's
mail only) and the rating with its comment (for the lead's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ...models import SatisfactionSurvey
from . import links


def context(
    session: Session,
    event: dict[str, Any],
    *,
    number: str,
    public_url: str,
    now: datetime,
    with_links: bool,
) -> dict[str, Any] | None:
    survey_id = (event.get("data") or {}).get("survey_id")
    if not isinstance(survey_id, int):
        return None
    survey = session.get(SatisfactionSurvey, survey_id)
    if survey is None:
        return None
    base = public_url.rstrip("/")
    answers = []
    if with_links:
        answers = [
            {
                "score": score,
                "url": f"{base}/survey/{links.sign(session, now, survey.id, number, score)}",
            }
            for score in links.SCORES
        ]
    return {
        "answers": answers,
        "expires_at": survey.expires_at.isoformat(),
        "score": survey.score,
        "comment": survey.comment or "",
    }
