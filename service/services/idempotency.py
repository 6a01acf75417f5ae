"""Retried requests that create something: the same Idempotency-Key and body, one effect.

A use case that creates something looks up the key first (`earlier`) and, when
it creates, records the key in its own transaction (`remember`), so the record
and the effect commit together. A key used again with another body, or for
another kind of request, is refused. Two requests racing with one key both
miss the record; one commits, the other fails on the unique key and runs
again (`once`), finding it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..domain.access import Principal
from ..domain.errors import FieldError, InvalidInput
from ..models import IdempotencyKey

T = TypeVar("T")


@dataclass(frozen=True)
class Key:
    value: str
    operation: str
    request_hash: str


def key(value: str | None, operation: str, request: Any) -> Key | None:
    """The key of a request (None without one); `request` is what it asks, as JSON data."""
    if not value:
        return None
    digest = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode())
    return Key(value, operation, digest.hexdigest())


def earlier(session: Session, principal: Principal, key: Key | None) -> IdempotencyKey | None:
    """The record of the request that first used `key`, or None when it is new."""
    if key is None:
        return None
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.user_id == principal.user_id, IdempotencyKey.key == key.value
        )
    )
    if row is None:
        return None
    if row.operation != key.operation or row.request_hash != key.request_hash:
        raise InvalidInput(
            "this Idempotency-Key was already used for a different request",
            [FieldError("Idempotency-Key", "use a new key for a different request", "headers")],
        )
    return row


def remember(
    session: Session,
    principal: Principal,
    key: Key | None,
    now: datetime,
    *,
    incident_id: int | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    if key is None:
        return
    session.add(
        IdempotencyKey(
            user_id=principal.user_id,
            key=key.value,
            request_hash=key.request_hash,
            operation=key.operation,
            incident_id=incident_id,
            result=result,
            created_at=now,
        )
    )
    session.flush()


def once(key: Key | None, run: Callable[[], T]) -> T:
    """`run()`, once more if a concurrent request with the same key committed first."""
    try:
        return run()
    except IntegrityError:
        if key is None:
            raise
        return run()
