"""What a process version is made of: its stored files, and the forms among them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, false, select
from sqlalchemy.orm import Session

from ..domain.errors import NotFound, ProcessError
from ..domain.numbering import MAX_ID
from ..forms import Form
from ..models import ProcessFile, ProcessVersion, ProcessVersionFile
from ..workflow import SourceFile
from ..workflow.parsing import defines_process
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


def document_if_present(svc: Services, session: Session, version_id: int, name: str) -> Any:
    """A JSON document of this version, or None when the version has no such file."""
    found = session.execute(_FILE_OF_VERSION, {"version_id": version_id, "name": name}).first()
    if found is None:
        return None
    return svc.forms.document(
        name, found.sha256, lambda: session.scalar(_CONTENT, {"file_id": found.id})
    )


def _file(session: Session, version_id: int, name: str) -> tuple[int, str]:
    found = session.execute(_FILE_OF_VERSION, {"version_id": version_id, "name": name}).first()
    if found is None:
        raise ProcessError(f"the form {name} is not part of the process version")
    return found.id, found.sha256


def find(session: Session, process_id: str, version: int) -> ProcessVersion:
    found = session.scalar(
        select(ProcessVersion).where(
            ProcessVersion.process_id == process_id,
            ProcessVersion.version == version if 0 < version <= MAX_ID else false(),
        )
    )
    if found is None:
        raise NotFound(f"no version {version} of process {process_id!r}")
    return found


def bpmn_file(version: ProcessVersion) -> SourceFile:
    """The BPMN file that defines the version's process, as deployed."""
    for file in version.files:
        if file.kind == "bpmn" and defines_process(file.name, file.content, version.process_id):
            return SourceFile(file.name, file.content)
    raise NotFound(f"the BPMN file of {version.process_id!r} version {version.version} is missing")
