"""Deployed decision tables the service evaluates itself (not from a process)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..domain.errors import ProcessError
from ..models import DecisionVersion, ProcessFile
from ..workflow import SourceFile
from .context import Services

_LATEST = (
    select(ProcessFile.name, ProcessFile.sha256, ProcessFile.content)
    .join(DecisionVersion, DecisionVersion.file_id == ProcessFile.id)
    .where(DecisionVersion.decision_id == bindparam("decision_id"))
    .order_by(DecisionVersion.version.desc())
    .limit(1)
)


def deployed(session: Session, decision_id: str) -> bool:
    return session.execute(_LATEST, {"decision_id": decision_id}).first() is not None


def decide(
    svc: Services, session: Session, decision_id: str, inputs: dict[str, Any]
) -> dict[str, Any]:
    """The outputs of the latest deployed version of a decision table.

    A table that is not deployed, or that has no rule for the inputs, is a
    process error: the process owner must fix the table, not the caller.
    """
    row = session.execute(_LATEST, {"decision_id": decision_id}).first()
    if row is None:
        raise ProcessError(f"the decision {decision_id!r} is not deployed")
    outputs = svc.decisions.decide(SourceFile(row.name, row.content), decision_id, inputs)
    if not outputs:
        raise ProcessError(
            f"no rule of the decision {decision_id!r} matches {inputs!r}; add a catch-all row",
            file=row.name,
        )
    return outputs
