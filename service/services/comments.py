"""Replies on an incident. A reporter's reply ends an "awaiting reporter" hold;
an agent's public reply is a first response."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from .. import uploads
from ..domain import access
from ..domain.access import Principal
from ..domain.enums import REPORTER_REPLY_MESSAGE, IncidentStatus
from ..domain.errors import FieldError, Forbidden, InvalidInput, NotFound, ProcessError
from ..domain.numbering import MAX_ID, parse_number
from ..models import Attachment, Comment, InboundMessage, ProcessInstance, User
from . import audit, execution, failures, idempotency
from .context import Services
from .incidents import visible_incident
from .views import IncidentView, incident_view

MAX_BODY = 20_000
MAX_FILES = 10


@dataclass(frozen=True)
class AttachmentView:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    public: bool
    created_at: datetime
    attachments: list[AttachmentView] = field(default_factory=list)
    # The e-mail this reply came in as, when it did (its original is downloadable).
    email_id: int | None = None


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class Posted:
    comment: CommentView
    incident: IncidentView
    # True when this answers a retry (the same Idempotency-Key) of an earlier post.
    replayed: bool = False


ADD_COMMENT = "add_comment"


def add_comment(
    svc: Services,
    principal: Principal,
    number: str,
    body: str,
    *,
    public: bool = True,
    files: list[Upload] | None = None,
    idempotency_key: str | None = None,
) -> Posted:
    """A reply, with files attached when given (then the text may be empty); retried with
    the same `idempotency_key`, the reply posted the first time."""
    files = files or []
    if files and not (body or "").strip():
        body = "Attached " + ", ".join(uploads.clean_filename(f.filename) for f in files)
    if not body or not body.strip() or len(body) > MAX_BODY:
        raise InvalidInput(
            "a comment needs text", [FieldError("$.body", f"1 to {MAX_BODY} characters")]
        )
    checked = check_files(svc, files)
    request = {
        "number": number,
        "body": body,
        "public": public,
        "files": [[found.filename, found.sha256] for found, _ in checked],
    }
    key = idempotency.key(idempotency_key, ADD_COMMENT, request)
    try:
        return idempotency.once(
            key, lambda: _add(svc, principal, number, body, public, checked, key)
        )
    except ProcessError as error:
        incident_id = parse_number(number)
        failures.keep(
            svc,
            principal,
            failures.COMMENT_FAILED,
            {
                "body": body,
                "public": public,
                # The bytes are not kept twice; what identifies them is.
                "attachments": [
                    {"filename": f.filename, "size": f.size, "sha256": f.sha256} for f, _ in checked
                ],
            },
            error,
            incident_id=incident_id,
        )
        raise


def _add(svc, principal, number, body, public, checked, key) -> Posted:
    with svc.db.unit_of_work() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        earlier = idempotency.earlier(session, principal, key)
        if earlier is not None:
            [comment] = _comment_views(session, principal, incident, earlier.result["comment_id"])
            return Posted(comment, incident_view(session, incident, svc.now()), replayed=True)
        now = svc.now()
        comment = post(svc, session, principal, incident, body, public=public, checked=checked)
        idempotency.remember(
            session,
            principal,
            key,
            now,
            incident_id=incident.id,
            result={"comment_id": comment.id},
        )
        posted = Posted(comment, incident_view(session, incident, svc.now()))
        uow.commit()
        return posted


def post(
    svc: Services,
    session,
    principal: Principal,
    incident,
    body: str,
    *,
    public: bool,
    checked: list[tuple[uploads.Inspected, bytes]],
) -> CommentView:
    """The reply in the caller's transaction: stored with its files, audited, counted as a
    first response when an agent answers publicly, and ending a hold when the reporter
    answers. The caller has checked the files."""
    agent = access.sees_everything(principal)
    if not public and not agent:
        raise Forbidden("only agents write internal notes")
    now = svc.now()
    comment = Comment(
        incident_id=incident.id,
        author_id=principal.user_id,
        body=body,
        public=public,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    attached = _store_files(svc, session, checked, incident.id, comment.id, principal, now)
    audit.record(
        session,
        "comment.added",
        at=now,
        actor=principal,
        incident_id=incident.id,
        data={
            "comment_id": comment.id,
            "public": public,
            **({"attachments": [a.filename for a in attached]} if attached else {}),
        },
    )
    if (
        public
        and agent
        and incident.first_response_at is None
        and any(principal.in_group(tier) for tier in ("L1", "L2", "L3"))
    ):
        incident.first_response_at = now
        audit.record(
            session,
            "sla.first_response",
            at=now,
            actor=principal,
            incident_id=incident.id,
            data={"by": "public reply"},
        )
    if principal.user_id == incident.reporter_id and incident.status == IncidentStatus.ON_HOLD:
        _resume_hold(svc, session, incident, principal, body)
    session.flush()
    return CommentView(comment.id, principal.username, body, public, now, attached)


def list_comments(svc: Services, principal: Principal, number: str) -> list[CommentView]:
    """Oldest first; reporters and integrators see the public ones only."""
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        return _comment_views(session, principal, incident)


def get_comment(svc: Services, principal: Principal, number: str, comment_id: int) -> CommentView:
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        found = (
            _comment_views(session, principal, incident, comment_id) if comment_id <= MAX_ID else []
        )
        if not found:
            raise NotFound(f"no comment {comment_id} on {number}")
        return found[0]


def _comment_views(
    session, principal, incident, comment_id: int | None = None
) -> list[CommentView]:
    query = (
        select(Comment, User.username, InboundMessage.id)
        .join(User, User.id == Comment.author_id)
        .outerjoin(InboundMessage, InboundMessage.comment_id == Comment.id)
        .where(Comment.incident_id == incident.id)
        .order_by(Comment.id)
    )
    if comment_id is not None:
        query = query.where(Comment.id == comment_id)
    if not access.sees_everything(principal):
        query = query.where(Comment.public.is_(True))
    rows = session.execute(query).all()
    files: dict[int, list[AttachmentView]] = {}
    for row in session.execute(
        select(*_ATTACHMENT_COLUMNS, Attachment.comment_id)
        .where(Attachment.comment_id.in_([c.id for c, _, _ in rows]))
        .order_by(Attachment.id)
    ):
        files.setdefault(row.comment_id, []).append(AttachmentView(*row[:-1]))
    return [
        CommentView(c.id, username, c.body, c.public, c.created_at, files.get(c.id, []), mail_id)
        for c, username, mail_id in rows
    ]


def get_attachment(
    svc: Services, principal: Principal, number: str, attachment_id: int
) -> tuple[AttachmentView, bytes]:
    """An attachment and its bytes, for whoever may see the comment it came with."""
    missing = NotFound(f"no attachment {attachment_id} on {number}")
    if not 0 < attachment_id <= MAX_ID:
        raise missing
    with svc.db.read() as uow:
        session = uow.session
        incident = visible_incident(session, principal, number)
        row = session.execute(
            select(Attachment, Comment.public)
            .join(Comment, Comment.id == Attachment.comment_id)
            .where(Attachment.id == attachment_id, Attachment.incident_id == incident.id)
        ).first()
        if row is None or (not row.public and not access.sees_everything(principal)):
            raise missing
        attachment = row.Attachment
        content = attachment.content
        if content is None:
            content = uploads.FolderStore(Path(svc.settings.attachments_dir)).get(attachment.sha256)
        return _view(attachment), content


_ATTACHMENT_COLUMNS = (
    Attachment.id,
    Attachment.filename,
    Attachment.content_type,
    Attachment.size,
    Attachment.sha256,
)


def check_files(svc: Services, files: list[Upload]) -> list[tuple[uploads.Inspected, bytes]]:
    """Every file inspected; all the problems at once, each at its place."""
    if len(files) > MAX_FILES:
        raise InvalidInput(
            "too many files", [FieldError("$.files", f"at most {MAX_FILES} files per comment")]
        )
    accepted = {t.strip() for t in svc.settings.attachment_types.split(",") if t.strip()}
    limit = svc.settings.max_attachment_bytes
    checked, errors = [], []
    for index, upload in enumerate(files):
        where = f"$.files[{index}]"
        found = uploads.inspect(upload.filename, upload.content)
        if found.size == 0:
            errors.append(FieldError(where, f"{found.filename} is empty"))
        elif found.size > limit:
            errors.append(
                FieldError(where, f"{found.filename} has {found.size} bytes; at most {limit}")
            )
        elif found.content_type not in accepted:
            what = found.content_type or "of no recognised type"
            errors.append(
                FieldError(
                    where, f"{found.filename} is {what}; accepted: {', '.join(sorted(accepted))}"
                )
            )
        elif not uploads.consistent(uploads.named_as(found.filename), found.content_type):
            errors.append(
                FieldError(
                    where,
                    f"{found.filename} holds {found.content_type or 'unrecognised data'}, "
                    f"not the {uploads.named_as(found.filename)} its name promises",
                )
            )
        checked.append((found, upload.content))
    if errors:
        raise InvalidInput("some files cannot be attached", errors)
    return checked


def _store_files(svc, session, checked, incident_id, comment_id, principal, now):
    folder = svc.settings.attachments_dir
    store = uploads.FolderStore(Path(folder)) if folder else None
    views = []
    for found, content in checked:
        if store is not None:
            # Before the commit: a crash leaves at most an unreferenced file, never
            # a row without its bytes.
            store.put(found.sha256, content)
        row = Attachment(
            incident_id=incident_id,
            comment_id=comment_id,
            filename=found.filename,
            content_type=found.content_type,
            size=found.size,
            sha256=found.sha256,
            content=None if store is not None else content,
            uploaded_by_id=principal.user_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        views.append(_view(row))
    return views


def _view(row: Attachment) -> AttachmentView:
    return AttachmentView(row.id, row.filename, row.content_type, row.size, row.sha256)


def _resume_hold(svc, session, incident, principal, body) -> None:
    """Deliver the reply to the process waiting for it, under the instance lock."""
    instance_id = session.scalar(
        select(ProcessInstance.id).where(
            ProcessInstance.incident_id == incident.id, ProcessInstance.parent_id.is_(None)
        )
    )
    instance = execution.lock(session, instance_id)
    session.refresh(incident)
    run = execution.resume(svc, session, instance, actor=principal)
    if run.execution.deliver_message(REPORTER_REPLY_MESSAGE, {"comment": body}):
        execution.advance(svc, session, instance, run, actor=principal, trigger="message")
