"""The breach register as CSV, one row per breach, for the authority or a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain.access import Principal
from .breach_views import BreachView
from .breaches import BreachFilter, all_breaches
from .context import Services


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _listed(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _contents(name: str) -> Callable[[BreachView], Any]:
    return lambda b: _listed(b.authority.contents.get(name))


COLUMNS: tuple[tuple[str, Callable[[BreachView], Any]], ...] = (
    ("number", lambda b: b.number),
    ("incident", lambda b: b.incident_number),
    ("status", lambda b: b.status),
    ("aware_at", lambda b: _when(b.aware_at)),
    ("flagged_at", lambda b: _when(b.flagged_at)),
    ("flagged_by", lambda b: b.flagged_by),
    ("summary", lambda b: b.summary),
    ("risk", lambda b: b.risk or ""),
    ("risk_rationale", lambda b: b.risk_rationale or ""),
    ("no_notice_reason", lambda b: b.no_notice_reason or ""),
    ("contained", lambda b: "" if b.contained is None else str(b.contained).lower()),
    ("authority_notice", lambda b: b.authority.state),
    ("authority_due_at", lambda b: _when(b.authority.due_at)),
    ("authority_notified_at", lambda b: _when(b.authority.notified_at)),
    ("authority_reference", lambda b: b.authority.reference or ""),
    ("delay_reason", lambda b: b.authority.delay_reason or ""),
    ("nature", _contents("nature")),
    ("subject_categories", _contents("subject_categories")),
    ("subjects_approx", _contents("subjects_approx")),
    ("record_categories", _contents("record_categories")),
    ("records_approx", _contents("records_approx")),
    ("dpo_contact", _contents("dpo_contact")),
    ("likely_consequences", _contents("likely_consequences")),
    ("measures", _contents("measures")),
    ("subjects_notified_at", lambda b: _when(b.subjects_notified_at)),
    ("subjects_channel", lambda b: b.subjects_channel or ""),
    ("closure_summary", lambda b: b.closure_summary or ""),
    ("closed_at", lambda b: _when(b.closed_at)),
)
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_csv(svc: Services, principal: Principal, filters: BreachFilter) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in COLUMNS])
    for breach in all_breaches(svc, principal, filters):
        writer.writerow([_cell(read(breach)) for _, read in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
