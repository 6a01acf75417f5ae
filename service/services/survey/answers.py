"""The reporter's answer through a survey link: read what the link offers, record the
rating once, add a comment once; the satisfaction process hears about the rating.

No sign-in: the signed link is the reporter's authority for this one survey.
Reading a link changes nothing (mail scanners fetch links); only the confirming
POST records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...domain.access import Principal
from ...domain.enums import SURVEY_ANSWERED_MESSAGE, InstanceStatus
from ...domain.errors import Conflict, FieldError, Gone, InvalidInput, NotFound
from ...models import Incident, SatisfactionSurvey, User
from .. import audit, execution
from ..context import Services
from . import links

MAX_COMMENT = 4000
# At or below this score a rating is bad: the resolving group's lead is told.
BAD_AT_MOST = 2


@dataclass(frozen=True)
class SurveyPage:
    """What the page of a link shows."""

    incident_number: str
    incident_title: str
    offered: int
    score: int | None
    answered_at: datetime | None
    comment: str | None
    expires_at: datetime
    language: str | None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def may_comment(self) -> bool:
        return self.answered and not self.comment


class AlreadyAnswered(Conflict):
    """The survey has its answer; `page` shows it."""

    def __init__(self, page: SurveyPage):
        super().__init__("this survey was already answered; the first answer stands")
        self.page = page


def is_bad(score: int | None) -> bool:
    return score is not None and score <= BAD_AT_MOST


def show(svc: Services, token: str) -> SurveyPage:
    """The survey a link belongs to; Gone once expired unanswered, NotFound when forged."""
    with svc.db.unit_of_work() as uow:
        # A write transaction: the first link ever read may make the site's link key.
        survey, incident, claim = _find(uow.session, svc.now(), token)
        page = _page(uow.session, survey, incident, claim)
        uow.commit()
    if not page.answered:
        _still_open(survey, svc.now())
    return page


def answer(svc: Services, token: str, score: int | None, comment: str | None) -> SurveyPage:
    """Record the rating (the link's own unless another is chosen) and an optional comment."""
    comment = _comment(comment)
    with svc.db.unit_of_work() as uow:
        session, now = uow.session, svc.now()
        survey, incident, claim = _find(session, now, token, lock=True)
        if survey.answered_at is not None:
            raise AlreadyAnswered(_page(session, survey, incident, claim))
        _still_open(survey, now)
        chosen = claim.score if score is None else score
        if chosen not in links.SCORES:
            raise InvalidInput(
                "the rating must be 1 to 5", [FieldError("score", "one of 1, 2, 3, 4, 5", "form")]
            )
        survey.score, survey.answered_at = chosen, now
        if comment:
            survey.comment, survey.commented_at = comment, now
        reporter = _reporter(session, survey)
        audit.record(
            session,
            "survey.answered",
            at=now,
            actor=reporter,
            incident_id=incident.id,
            instance_id=survey.instance_id,
            # The comment stays in the survey's row, as free text stays out of events.
            data={
                "survey_id": survey.id,
                "score": chosen,
                "bad": is_bad(chosen),
                "commented": bool(comment),
            },
        )
        _tell_process(svc, session, survey, reporter, chosen)
        page = _page(session, survey, incident, claim)
        uow.commit()
    return page


def add_comment(svc: Services, token: str, comment: str | None) -> SurveyPage:
    """The comment of an answered survey, once."""
    comment = _comment(comment)
    if not comment:
        raise InvalidInput("write a comment", [FieldError("comment", "must not be empty", "form")])
    with svc.db.unit_of_work() as uow:
        session, now = uow.session, svc.now()
        survey, incident, claim = _find(session, now, token, lock=True)
        if survey.answered_at is None:
            raise Conflict("choose a rating first; the comment goes with it")
        if survey.comment:
            raise AlreadyAnswered(_page(session, survey, incident, claim))
        survey.comment, survey.commented_at = comment, now
        audit.record(
            session,
            "survey.commented",
            at=now,
            actor=_reporter(session, survey),
            incident_id=incident.id,
            instance_id=survey.instance_id,
            data={"survey_id": survey.id, "score": survey.score, "bad": is_bad(survey.score)},
        )
        page = _page(session, survey, incident, claim)
        uow.commit()
    return page


def _find(session: Session, now: datetime, token: str, *, lock: bool = False):
    claim = links.read(session, now, token)
    query = select(SatisfactionSurvey).where(SatisfactionSurvey.id == claim.survey_id)
    if lock:
        query = query.with_for_update()
    survey = session.scalar(query)
    incident = session.get(Incident, survey.incident_id) if survey else None
    if survey is None or incident is None or incident.number != claim.incident_number:
        raise NotFound("this survey link is not valid")
    return survey, incident, claim


def _still_open(survey: SatisfactionSurvey, now: datetime) -> None:
    if now >= survey.expires_at:
        raise Gone("this survey has expired; thank you all the same")


def _comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            "the comment is too long",
            [FieldError("comment", f"at most {MAX_COMMENT} characters", "form")],
        )
    return text or None


def _reporter(session: Session, survey: SatisfactionSurvey) -> Principal:
    user = session.get(User, survey.reporter_id)
    return Principal(user.id, user.username, user.group_names, user.language, user.time_zone)


def _page(session, survey, incident, claim) -> SurveyPage:
    reporter = session.get(User, survey.reporter_id)
    return SurveyPage(
        incident_number=incident.number,
        incident_title=incident.title,
        offered=claim.score,
        score=survey.score,
        answered_at=survey.answered_at,
        comment=survey.comment,
        expires_at=survey.expires_at,
        language=reporter.language if reporter else None,
    )


def _tell_process(svc, session, survey, reporter, score) -> None:
    """Let the waiting process go on; one a process owner changed not to wait is left be."""
    if survey.instance_id is None:
        return
    instance = execution.lock(session, survey.instance_id)
    if instance is None or instance.status != InstanceStatus.RUNNING:
        return
    run = execution.resume(svc, session, instance, actor=reporter)
    if run.execution.deliver_message(SURVEY_ANSWERED_MESSAGE, {"score": score}):
        execution.advance(svc, session, instance, run, actor=reporter, trigger="message")
