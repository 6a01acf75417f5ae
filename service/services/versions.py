"""What a process version is made of: its stored files, and the forms among them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..domain.errors import ProcessError
from ..forms import Form
from ..models import ProcessFile, ProcessVersionFile
from .context import Services

_FILE_OF_VERSION = (
    select(ProcessFile.id, ProcessFile.sha256)
    .join(ProcessVersionFile, ProcessVersionFile.file_id == ProcessFile.id)
    .where(
        ProcessVersionFile.version_id == bindparam("version_id"),
        ProcessFile.name == bindparam("name"),
    )
)
_CONTENT = select(ProcessFile.content).where(ProcessFile.id == bindparam("file_id"))


def form(svc: Services, session: Session, version_id: int, name: str) -> Form:
    """The form a task of this version names (the bytes deployed with the version)."""
    file_id, sha256 = _file(session, version_id, name)
    return svc.forms.form(name, sha256, lambda: session.scalar(_CONTENT, {"file_id": file_id}))


def document(svc: Services, session: Session, version_id: int, name: str | None) -> Any:
    """A JSON document of this version, such as a UI schema; {} when none is named."""
    if not name:
        return {}
    file_id, sha256 = _file(session, version_id, name)
    return svc.forms.document(name, sha256, lambda: session.scalar(_CONTENT, {"file_id": file_id}))


def _file(session: Session, version_id: int, name: str) -> tuple[int, str]:
    found = session.execute(_FILE_OF_VERSION, {"version_id": version_id, "name": name}).first()
    if found is None:
        raise ProcessError(f"the form {name} is not part of the process version")
    return found.id, found.sha256
