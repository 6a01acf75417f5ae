"""Deploying and migrating from the browser (process owners): the upload with its
refusals beside each file and on the diagram, and the migration's dry run then move."""

from __future__ import annotations

from flask import abort, g, render_template, request
from flask_babel import gettext as _

from ..domain import access
from ..domain.errors import DeploymentInvalid, DomainError, FieldError, Forbidden, InvalidInput
from ..services import deployment_pictures, deployments, migrations
from ..services.deployments import KINDS
from ..workflow import SourceFile
from .auth import services
from .forms import ActionForm
from .instance_pages import inline_svg, require_cockpit
from .pages import blp

MAX_LISTED = 200


@blp.route("/deploy")
def deploy_page():
    require_cockpit()
    return render_template(
        "deploy_page.html", action=ActionForm(), outcome=None, may_change=_may_change()
    )


@blp.route("/deploy", methods=["POST"])
def deploy_files():
    """`validate` checks and stores nothing; `deploy` puts the files live, all or none."""
    require_cockpit()
    ActionForm().validate_on_submit() or abort(400)
    uploads = [
        SourceFile(f.filename or "", f.read()) for f in request.files.getlist("files") if f.filename
    ]
    only_check = request.form.get("action") != "deploy"
    svc = services()
    problems, warnings, result = [], [], None
    try:
        if only_check:
            warnings = deployments.validate(svc, uploads, by=g.principal)
        else:
            result = deployments.deploy(svc, uploads, actor=g.principal.username, by=g.principal)
            warnings = result.warnings
    except DeploymentInvalid as refused:
        problems, warnings = refused.problems, refused.warnings
    files = [
        {
            "name": source.name,
            "problems": [p for p in problems if p.file == source.name],
            "warnings": [w for w in warnings if w.file == source.name],
            "diagram": _diagram(source, problems, warnings),
        }
        for source in uploads
    ]
    names = {source.name for source in uploads}
    outcome = {
        "checked": only_check,
        "refused": bool(problems),
        "result": result,
        "files": files,
        # Problems of the whole set (a missing form, a file name refused) have no file of their own.
        "general": [p for p in problems if p.file not in names],
        "general_warnings": [w for w in warnings if w.file not in names],
    }
    status = 422 if problems else 200
    return render_template(
        "deploy_page.html", action=ActionForm(), outcome=outcome, may_change=True
    ), status


def _diagram(source: SourceFile, problems, warnings):
    if KINDS.get("." + source.name.rsplit(".", 1)[-1].lower()) != "bpmn":
        return None
    named = [p for p in problems + warnings if p.file == source.name and p.element_id]
    if not named:
        return None
    drawing = deployment_pictures.problem_diagram(source.name, source.content, problems, warnings)
    return inline_svg(drawing) if drawing else None


@blp.route("/migrate")
def migrate_page():
    require_cockpit()
    return render_template(
        "migrate_page.html",
        action=ActionForm(),
        chosen=request.args,
        report=None,
        may_change=_may_change(),
    )


@blp.route("/migrate", methods=["POST"])
def migrate_instances():
    """`dry_run` reports per instance; `move` moves those that can and audits each."""
    require_cockpit()
    ActionForm().validate_on_submit() or abort(400)
    form = request.form
    process_id = (form.get("process") or "").strip()[:255]
    numbers = [n.strip() for n in (form.get("incidents") or "").replace(",", " ").split()]
    ids = [n.strip() for n in (form.get("instance_ids") or "").replace(",", " ").split()]
    message, report = None, None
    try:
        selection = migrations.Selection(
            all=not numbers and not ids,
            incidents=tuple(numbers[:MAX_LISTED]),
            instance_ids=tuple(_ids(ids[:MAX_LISTED])),
        )
        report = migrations.migrate(
            services(),
            g.principal,
            process_id,
            source_version=_version(form.get("source_version"), "source_version"),
            target_version=_version(form.get("target_version"), "target_version"),
            selection=selection,
            dry_run=form.get("action") != "move",
        )
    except Forbidden:
        raise
    except DomainError as exc:
        message = exc.message
    return render_template(
        "migrate_page.html",
        action=ActionForm(),
        chosen=form,
        report=report,
        message=message,
        may_change=True,
    ), (422 if message else 200)


def _may_change() -> bool:
    """Admins see these pages, but deploying and moving instances run owners' code:
    the page says so instead of offering a form that answers 403."""
    return access.may_deploy(g.principal)


def _version(value: str | None, name: str) -> int:
    value = (value or "").strip()
    if not value.isdigit() or not 0 < int(value) < 2**31:
        raise InvalidInput(_("%(name)s: a version number", name=name), [FieldError(name, "")])
    return int(value)


def _ids(values: list[str]) -> list[int]:
    if not all(v.isdigit() and 0 < int(v) < 2**63 for v in values):
        raise InvalidInput(_("instance ids: whole numbers"), [FieldError("instance_ids", "")])
    return [int(v) for v in values]
