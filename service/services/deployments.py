"""Putting process files live: a new version per process only when its files changed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..domain.errors import InvalidInput
from ..models import ProcessFile, ProcessVersion
from ..workflow import SourceFile
from .context import Services

PROCESS_SUFFIXES = (".bpmn", ".dmn")
# Two deploys of the same files at once: the loser of the race retries and finds them.
_ATTEMPTS = 3


@dataclass(frozen=True)
class DeployedVersion:
    process_id: str
    version: int
    content_hash: str
    created: bool


def read_folder(folder: Path) -> list[SourceFile]:
    if not folder.is_dir():
        raise InvalidInput(f"process folder {folder} does not exist")
    return [
        SourceFile(path.name, path.read_bytes())
        for path in sorted(folder.iterdir())
        if path.is_file() and path.suffix.lower() in PROCESS_SUFFIXES
    ]


def deploy(svc: Services, sources: list[SourceFile], *, actor: str | None) -> list[DeployedVersion]:
    """Parse and store; processes whose files are unchanged keep their version."""
    parsed = svc.runtime.parse(sources)
    by_name = {source.name: source for source in sources}
    for attempt in range(_ATTEMPTS):
        try:
            return _store(svc, parsed, by_name, actor)
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def deploy_folder(
    svc: Services, folder: Path, *, actor: str | None = None
) -> list[DeployedVersion]:
    return deploy(svc, read_folder(folder), actor=actor)


def _store(svc, parsed, by_name, actor) -> list[DeployedVersion]:
    now = svc.now()
    results = []
    with svc.db.unit_of_work() as uow:
        session = uow.session
        for process_id, process in sorted(parsed.items()):
            existing = session.scalar(
                select(ProcessVersion).where(
                    ProcessVersion.process_id == process_id,
                    ProcessVersion.content_hash == process.content_hash,
                )
            )
            if existing is not None:
                results.append(
                    DeployedVersion(process_id, existing.version, existing.content_hash, False)
                )
                continue
            number = (
                session.scalar(
                    select(func.max(ProcessVersion.version)).where(
                        ProcessVersion.process_id == process_id
                    )
                )
                or 0
            ) + 1
            version = ProcessVersion(
                process_id=process_id,
                version=number,
                name=process.name,
                content_hash=process.content_hash,
                spec_json=svc.runtime.dump_spec(process),
                created_at=now,
                created_by=actor,
                files=[_file_row(session, by_name[name], now) for name in process.files],
            )
            session.add(version)
            session.flush()
            results.append(DeployedVersion(process_id, number, process.content_hash, True))
        uow.commit()
    return results


def _file_row(session, source: SourceFile, now) -> ProcessFile:
    row = session.scalar(
        select(ProcessFile).where(
            ProcessFile.name == source.name, ProcessFile.sha256 == source.sha256
        )
    )
    if row is None:
        row = ProcessFile(
            name=source.name, sha256=source.sha256, content=source.content, created_at=now
        )
        session.add(row)
        session.flush()
    return row
