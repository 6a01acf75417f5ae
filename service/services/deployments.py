"""Putting process files live: checked as a whole, stored as a whole, or not at all.

A deployment brings any mix of BPMN, DMN, form and calendar files. They replace the
files of the same name in the set that is live, and the whole resulting set
is checked (XML read safely, every expression vetted, forms and decision
tables present, SpiffWorkflow's own parse) before anything is stored. A
process or decision gets a new version only when the bytes it is built from
changed, so deploying the same files again changes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..domain import access, locales
from ..domain.access import Principal
from ..domain.enums import REPORTER_LANE, Group
from ..domain.errors import DeploymentInvalid, Forbidden, Problem, ProcessDefinitionError
from ..forms import (
    SCHEMA_SUFFIX,
    UI_SUFFIX,
    check_translation,
    read_json,
    translation_name,
    translation_of,
    unrenderable,
)
from ..models import DecisionVersion, Deployment, ProcessFile, ProcessVersion
from ..workflow import SourceFile
from ..workflow.checks import check_documents
from ..workflow.parsing import read_xml
from . import idempotency
from .calendars import compile_calendars, is_calendar, unknown_references
from .context import Services

KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 200
CALENDAR_FOLDER = "calendars"
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")
# Serialises deployments on PostgreSQL (SQLite's write lock already does).
_DEPLOY_LOCK = 7_310_001


@dataclass(frozen=True)
class DeployedVersion:
    process_id: str
    version: int
    content_hash: str
    created: bool


@dataclass(frozen=True)
class DeployedDecision:
    decision_id: str
    version: int
    created: bool


@dataclass(frozen=True)
class DeploymentResult:
    changed: bool
    deployment_id: int | None
    processes: list[DeployedVersion]
    decisions: list[DeployedDecision]
    files: list[str]
    warnings: list[Problem] = field(default_factory=list)
    # True when this answers a retry (the same Idempotency-Key) of an earlier deployment.
    replayed: bool = False

    def to_data(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_data(cls, data: dict) -> DeploymentResult:
        return cls(
            data["changed"],
            data["deployment_id"],
            [DeployedVersion(**p) for p in data["processes"]],
            [DeployedDecision(**d) for d in data["decisions"]],
            data["files"],
            [Problem(**w) for w in data["warnings"]],
            replayed=True,
        )


DEPLOY = "deploy"


def read_paths(paths: list[Path]) -> list[SourceFile]:
    """The deployable files of folders and files, by name (later ones win)."""
    found: dict[str, SourceFile] = {}
    for path in paths:
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        # Calendars may sit in a folder of their own beside the processes.
        if path.is_dir() and (path / CALENDAR_FOLDER).is_dir():
            candidates += sorted((path / CALENDAR_FOLDER).iterdir())
        for candidate in candidates:
            if candidate.is_file() and candidate.suffix.lower() in KINDS:
                found[candidate.name] = SourceFile(candidate.name, candidate.read_bytes())
            elif not path.is_dir() and not candidate.exists():
                raise DeploymentInvalid([Problem(str(candidate), "no such file")])
    return list(found.values())


def deploy_paths(svc: Services, paths: list[Path], *, actor: str | None) -> DeploymentResult:
    return deploy(svc, read_paths(paths), actor=actor)


def deploy(
    svc: Services,
    uploads: list[SourceFile],
    *,
    actor: str | None,
    by: Principal | None = None,
    idempotency_key: str | None = None,
) -> DeploymentResult:
    """`by`: the user deploying through the API (process owners only); None for the
    command line and start-up, which act with the server's own rights. Retried with the
    same `idempotency_key` (API only), the answer of the first deployment."""
    if by is not None and not access.may_deploy(by):
        raise Forbidden("only process owners deploy")
    _check_uploads(uploads)
    request = sorted([source.name, source.sha256] for source in uploads)
    key = idempotency.key(idempotency_key, DEPLOY, request) if by is not None else None
    return idempotency.once(key, lambda: _deploy(svc, uploads, actor, by, key))


def validate(svc: Services, uploads: list[SourceFile], *, by: Principal) -> list[Problem]:
    """The check a deployment makes, storing nothing: the warnings, or DeploymentInvalid."""
    if not access.may_deploy(by):
        raise Forbidden("only process owners deploy")
    _check_uploads(uploads)
    with svc.db.read() as uow:
        merged = {
            name: SourceFile(name, row.content) for name, row in _live_files(uow.session).items()
        }
    merged.update({source.name: source for source in uploads})
    return _validate(svc, merged, {source.name for source in uploads})[2]


def _deploy(svc, uploads, actor, by, key) -> DeploymentResult:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        if svc.db.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DEPLOY_LOCK})
        earlier = idempotency.earlier(session, by, key) if key else None
        if earlier is not None:
            return DeploymentResult.from_data(earlier.result)
        live = _live_files(session)
        merged = {name: SourceFile(name, row.content) for name, row in live.items()}
        merged.update({source.name: source for source in uploads})
        uploaded = {source.name for source in uploads}
        parsed, calendars, warnings = _validate(svc, merged, uploaded)
        retired = _retired_files(session) - uploaded
        # A retired probe stays quiet: its files are carried along, not checked again.
        warnings = [w for w in warnings if w.file not in retired]
        now = svc.now()
        rows = {name: _file_row(session, source, now) for name, source in merged.items()}
        processes = [
            _process_version(svc, session, process, merged, rows, calendars, now, actor, uploaded)
            for process in sorted(parsed.values(), key=lambda p: p.process_id)
        ]
        decisions = _decision_versions(session, merged, rows, now, actor)
        changed_files = sorted(
            name
            for name, source in merged.items()
            if name not in live or live[name].sha256 != source.sha256
        )
        changed = bool(changed_files) or any(p.created for p in processes)
        if not changed:
            unchanged = DeploymentResult(False, None, processes, decisions, [], warnings)
            idempotency.remember(session, by, key, now, result=unchanged.to_data())
            uow.commit()
            return unchanged
        deployment = Deployment(
            created_at=now,
            created_by=actor,
            summary={
                "files": changed_files,
                "processes": {p.process_id: p.version for p in processes if p.created},
                "decisions": {d.decision_id: d.version for d in decisions if d.created},
            },
            files=list(rows.values()),
        )
        session.add(deployment)
        session.flush()
        for version in session.scalars(
            select(ProcessVersion).where(ProcessVersion.deployment_id.is_(None))
        ):
            version.deployment_id = deployment.id
        for version in session.scalars(
            select(DecisionVersion).where(DecisionVersion.deployment_id.is_(None))
        ):
            version.deployment_id = deployment.id
        result = DeploymentResult(
            True, deployment.id, processes, decisions, changed_files, warnings
        )
        idempotency.remember(session, by, key, now, result=result.to_data())
        uow.commit()
        return result


def _check_uploads(uploads: list[SourceFile]) -> None:
    problems = []
    if not uploads:
        problems.append(Problem("", "no files: send .bpmn, .dmn or form .json files"))
    if len(uploads) > MAX_FILES:
        problems.append(Problem("", f"more than {MAX_FILES} files in one deployment"))
    seen = set()
    for source in uploads:
        name = source.name
        if not _SAFE_NAME.match(name) or Path(name).suffix.lower() not in KINDS:
            problems.append(
                Problem(
                    name, "file names are letters, digits, . _ - and end in .bpmn, .dmn or .json"
                )
            )
        if name in seen:
            problems.append(Problem(name, "the same file name twice"))
        seen.add(name)
        if len(source.content) > MAX_FILE_BYTES:
            problems.append(Problem(name, f"larger than {MAX_FILE_BYTES} bytes"))
    if problems:
        raise DeploymentInvalid(problems)


def _validate(svc: Services, files: dict[str, SourceFile], uploaded: set[str]):
    """Parsed processes, compiled calendars and warnings; DeploymentInvalid lists every
    problem found."""
    calendars, problems = compile_calendars(
        {name: source.content for name, source in files.items() if is_calendar(name)}
    )
    documents = {}
    forms_read = {}
    for name, source in files.items():
        try:
            if is_calendar(name):
                continue
            if name.endswith(".json"):
                document = forms_read[name] = read_json(name, source.content)
                if translation_of(name) and name in uploaded:
                    problems += _translation_problems(name, document, files)
            else:
                documents[name] = read_xml(source)
        except ProcessDefinitionError as exc:
            problems.append(Problem(name, exc.message, exc.element_id, exc.line))
    forms = [name for name in files if name.endswith(".json") and not is_calendar(name)]
    lanes = [group.value for group in Group] + [REPORTER_LANE]
    errors, warnings = check_documents(documents, forms=forms, lanes=lanes)
    tables = {name: root for name, root in documents.items() if name.endswith(".dmn")}
    errors += unknown_references(tables, [name for name in files if is_calendar(name)])
    warnings += _form_warnings(forms_read, uploaded)
    problems += errors
    if problems:
        raise DeploymentInvalid(problems, warnings)
    try:
        parsed = svc.runtime.parse([files[name] for name in documents])
    except ProcessDefinitionError as exc:
        raise DeploymentInvalid(
            [Problem(exc.file or "", exc.message, exc.element_id, exc.line)], warnings
        ) from None
    # What modelers would say only warns: SpiffWorkflow runs the file either way.
    warnings += svc.modeler.check([files[name] for name in documents if name in uploaded])
    return parsed, calendars, warnings


def _form_warnings(documents: dict, uploaded: set[str]) -> list[Problem]:
    """What the task pages cannot render of the forms this deployment brings (a schema,
    or the UI schema beside it)."""
    found = []
    for name, schema in sorted(documents.items()):
        if not name.endswith(SCHEMA_SUFFIX):
            continue
        ui_name = name.removesuffix(SCHEMA_SUFFIX) + UI_SUFFIX
        if name not in uploaded and ui_name not in uploaded:
            continue
        for finding in unrenderable(schema, documents.get(ui_name)):
            found.append(
                Problem(
                    ui_name if finding.in_ui else name,
                    f"the task page cannot render {finding.keyword}: {finding.message}",
                    keyword=finding.keyword,
                    pointer=finding.pointer,
                )
            )
    return found


def _translation_problems(name: str, document, files: dict[str, SourceFile]) -> list[Problem]:
    schema_name, _language = translation_of(name)
    schema = None
    if schema_name in files:
        try:
            schema = read_json(schema_name, files[schema_name].content)
        except ProcessDefinitionError:
            return []  # reported for the schema itself
    return [
        Problem(name, message)
        for message in check_translation(name, document, schema, locales.LANGUAGES)
    ]


def _translations(forms, files) -> set[str]:
    """The translations of a process's forms that the deployment holds: they belong to
    the version like the forms, so an incident keeps the texts it started with."""
    return {
        translation_name(form, language)
        for form in forms
        for language in locales.LANGUAGES
        if translation_name(form, language) in files
    }


def _live_files(session: Session) -> dict[str, ProcessFile]:
    latest = session.scalar(select(Deployment).order_by(Deployment.id.desc()).limit(1))
    return {row.name: row for row in latest.files} if latest else {}


def _file_row(session: Session, source: SourceFile, now) -> ProcessFile:
    row = session.scalar(
        select(ProcessFile).where(
            ProcessFile.name == source.name, ProcessFile.sha256 == source.sha256
        )
    )
    if row is None:
        row = ProcessFile(
            name=source.name,
            kind="calendar"
            if is_calendar(source.name)
            else KINDS[Path(source.name).suffix.lower()],
            sha256=source.sha256,
            content=source.content,
            created_at=now,
        )
        session.add(row)
        session.flush()
    return row


def _content_hash(names, files: dict[str, SourceFile]) -> str:
    """Names and bytes of everything a process is built from."""
    digest = hashlib.sha256()
    for name in sorted(names):
        digest.update(f"{name}\0{files[name].sha256}\n".encode())
    return digest.hexdigest()


def _retired_files(session: Session) -> set[str]:
    """The BPMN files of processes whose latest version is retired, used by no live one."""
    latest = (
        select(ProcessVersion.process_id, func.max(ProcessVersion.version).label("version"))
        .group_by(ProcessVersion.process_id)
        .subquery()
    )
    names: dict[str, bool] = {}
    for version in session.scalars(
        select(ProcessVersion).join(
            latest,
            (latest.c.process_id == ProcessVersion.process_id)
            & (latest.c.version == ProcessVersion.version),
        )
    ):
        for row in version.files:
            if row.name.endswith(".bpmn"):
                names[row.name] = names.get(row.name, True) and version.retired_at is not None
    return {name for name, retired in names.items() if retired}


def _process_version(
    svc, session, process, files, rows, calendars, now, actor, uploaded=frozenset()
) -> DeployedVersion:
    names = set(process.files) | set(process.forms)
    names |= _translations(process.forms, files)
    # Every calendar belongs to every version: a script may name any of them, and a
    # changed calendar makes new versions that running incidents can migrate to.
    names |= {name for name in files if is_calendar(name)}
    content_hash = _content_hash(names, files)
    # Only the live (latest) version counts as "unchanged": files equal to an older
    # version make a new one, so deploying old files is a rollback that takes effect
    # (new incidents start on the latest version).
    latest = session.execute(
        select(ProcessVersion.version, ProcessVersion.content_hash, ProcessVersion.retired_at)
        .where(ProcessVersion.process_id == process.process_id)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.content_hash == content_hash:
        return DeployedVersion(process.process_id, latest.version, content_hash, False)
    if latest is not None and latest.retired_at is not None and not set(process.files) & uploaded:
        # Retired, and only a shared file (a calendar, a form) changed: it stays retired.
        # Deploying its own file again brings it back as a new, live version.
        return DeployedVersion(process.process_id, latest.version, latest.content_hash, False)
    number = latest.version + 1 if latest is not None else 1
    session.add(
        ProcessVersion(
            process_id=process.process_id,
            version=number,
            name=process.name,
            content_hash=content_hash,
            spec_json=svc.runtime.dump_spec(process, calendars),
            created_at=now,
            created_by=actor,
            files=[rows[name] for name in sorted(names)],
        )
    )
    session.flush()
    return DeployedVersion(process.process_id, number, content_hash, True)


def _decision_versions(session, files, rows, now, actor) -> list[DeployedDecision]:
    found = []
    for name, source in sorted(files.items()):
        if not name.endswith(".dmn"):
            continue
        root = read_xml(source)
        for decision in root.iterfind("{*}decision"):
            decision_id = decision.get("id")
            # As for processes: unchanged only against the latest version.
            latest = session.execute(
                select(DecisionVersion.version, DecisionVersion.content_hash)
                .where(DecisionVersion.decision_id == decision_id)
                .order_by(DecisionVersion.version.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.content_hash == source.sha256:
                found.append(DeployedDecision(decision_id, latest.version, False))
                continue
            number = latest.version + 1 if latest is not None else 1
            session.add(
                DecisionVersion(
                    decision_id=decision_id,
                    name=decision.get("name") or decision_id,
                    version=number,
                    content_hash=source.sha256,
                    file_id=rows[name].id,
                    created_at=now,
                    created_by=actor,
                )
            )
            found.append(DeployedDecision(decision_id, number, True))
    session.flush()
    return found
