"""`incident-desk`: serve, manage users and tokens, migrate the database."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from . import logs, user_commands
from .cli_backup import backup, restore
from .cli_errors import fail_clearly
from .config import Settings
from .domain.enums import Group
from .services import deployments, users
from .services.context import Services, build_services

log = logging.getLogger("incident_desk")


class _Context:
    def __init__(self, settings: Settings, database_from: str = "the default"):
        self._services: Services | None = None
        self.settings = settings
        # Where the database URL came from, for the messages that refuse it.
        self.database_from = database_from
        # Only `serve`, `db upgrade` and `restore` may make the database they name.
        self.may_create = False

    def close(self) -> None:
        if self._services is not None:
            self._services.close()
            self._services = None

    def database_problem(self) -> str | None:
        """Why the database named is not one to work on (missing, empty, unreachable)."""
        from sqlalchemy.exc import DBAPIError

        from .db import missing_sqlite_file, revision_of

        url = self.settings.database_url
        where = self._where()
        missing = missing_sqlite_file(url)
        if missing is not None:
            return (
                f"no database at {missing.absolute()} ({where}); "
                "`incident-desk db upgrade` makes one"
            )
        try:
            revision = revision_of(url)
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            return f"cannot reach the database {_shown(url)} ({where}): {reason}"
        if revision is None:
            return (
                f"the database {_shown(url)} ({where}) is not migrated; "
                "`incident-desk db upgrade` migrates it"
            )
        return None

    def _where(self) -> str:
        if self.database_from == "the default":
            return "the default; give --database, --config or an incident-desk.env"
        return f"from {self.database_from}"

    @property
    def services(self) -> Services:
        if self._services is None:
            if not self.may_create and (problem := self.database_problem()):
                raise click.ClickException(problem)
            self._services = build_services(self.settings)
        return self._services


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


pass_context = click.make_pass_decorator(_Context)


@click.group()
@click.option(
    "--config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="settings file (default: $INCIDENT_DESK_CONFIG, ./incident-desk.env, "
    "/etc/incident-desk/incident-desk.env)",
)
@click.option(
    "--database", metavar="URL", default=None, help="database URL, over the settings file's"
)
@click.pass_context
def main(click_context: click.Context, config: Path | None, database: str | None) -> None:
    """Incident Desk: an IT service desk run by BPMN."""
    from . import settings_file

    try:
        settings, path = settings_file.load(config, database)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if database:
        database_from = "--database"
    elif os.environ.get(settings_file.PREFIX + "DATABASE_URL"):
        database_from = f"${settings_file.PREFIX}DATABASE_URL"
    else:
        database_from = str(path) if path else "the default"
    click_context.obj = _Context(settings, database_from)
    click_context.call_on_close(click_context.obj.close)
    logs.configure(
        os.environ.get("INCIDENT_DESK_LOG_LEVEL", "INFO"),
        os.environ.get("INCIDENT_DESK_LOG_FORMAT", "text"),
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="worker processes of 4 threads (default: 1 on SQLite, one per CPU on PostgreSQL)",
)
@pass_context
@fail_clearly
def serve(ctx: _Context, host: str, port: int, workers: int | None) -> None:
    """Migrate the database, deploy the process folder, and serve HTTP."""
    from .server import prepare_metrics, run

    ctx.may_create = True
    if workers is None:
        # SQLite has one writer at a time; several processes would only queue on it.
        # On PostgreSQL the work is CPU-bound (the engine, the ORM): one process per
        # CPU, with threads to cover the waits on the database.
        workers = 1 if ctx.settings.is_sqlite else max(2, os.cpu_count() or 1)
    # Before anything is counted: several processes keep their figures in files.
    prepare_metrics(workers)
    svc = ctx.services
    svc.db.upgrade()
    _report(
        deployments.deploy_paths(
            svc, [svc.settings.processes_dir, svc.settings.forms_dir], actor="serve"
        )
    )
    ctx.close()
    run(ctx.settings, host=host, port=port, workers=workers)


@main.command()
@click.option("--once", is_flag=True, help="do what is due now (one round of mail) and exit")
@click.option(
    "--only",
    type=click.Choice(["timers", "deliveries", "mail", "retention"]),
    default=None,
    help="run one of the loops (to scale them apart)",
)
@pass_context
def worker(ctx: _Context, once: bool, only: str | None) -> None:
    """Fire timers, send e-mails and webhooks as they fall due, and read the desk's mailbox
    when INCIDENT_DESK_IMAP_HOST is set (run one or more next to `serve`)."""
    import signal
    import threading

    from .services.mail.mailbox import MailboxError
    from .services.operations import metrics
    from .worker import loops, with_heartbeat

    if only == "mail" and not ctx.settings.imap_host:
        raise click.ClickException("no mailbox to read: INCIDENT_DESK_IMAP_HOST is not set")
    svc = ctx.services
    svc.db.upgrade()
    chosen = loops(svc, only)
    if once:
        for loop in chosen:
            try:
                click.echo(f"{loop.what}: {loop.run_once()} done")
            except MailboxError as exc:
                raise click.ClickException(str(exc)) from None
        return
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    metrics.serve_port(svc)
    threads = [
        threading.Thread(target=loop.run, args=(stop,), name=f"{loop.what}-worker")
        for loop in with_heartbeat(svc, chosen)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@pass_context
@fail_clearly
def deploy(ctx: _Context, paths: tuple[Path, ...]) -> None:
    """Deploy .bpmn, .dmn and form .json files, or the folders holding them."""
    ctx.services.db.upgrade()
    _report(deployments.deploy_paths(ctx.services, list(paths), actor="cli"))


def _report(result) -> None:
    for process in result.processes:
        state = "new version" if process.created else "unchanged"
        click.echo(f"process {process.process_id}: version {process.version} ({state})")
    for decision in result.decisions:
        state = "new version" if decision.created else "unchanged"
        click.echo(f"decision {decision.decision_id}: version {decision.version} ({state})")
    for warning in result.warnings:
        where = ":".join(str(p) for p in (warning.file, warning.line) if p)
        element = f" [{warning.element_id}]" if warning.element_id else ""
        element += f" [{warning.pointer}]" if warning.pointer else ""
        click.echo(f"warning: {where}{element}: {warning.message}", err=True)
    if not result.changed:
        click.echo("nothing changed")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: _Context) -> None:
    """Apply every pending migration (making the database when there is none)."""
    ctx.may_create = True
    ctx.services.db.upgrade()
    click.echo(f"database at revision {ctx.services.db.current_revision()}")


# sysexits(3): what an MTA's pipe delivery understands.
EX_DATAERR, EX_TEMPFAIL = 65, 75


@main.group()
def mail() -> None:
    """E-mail coming in."""


@mail.command("receive")
@pass_context
def mail_receive(ctx: _Context) -> None:
    """Take one RFC 5322 message from standard input (an MTA's pipe delivery).

    Exits 0 when the message is taken (also when it was taken before, or is only
    recorded, as auto-replies are), 65 when it can never be taken (the MTA bounces
    it), 75 when the database cannot be reached (the MTA keeps it and retries).
    """
    from .services.mail import intake

    raw = sys.stdin.buffer.read(ctx.settings.mail_max_bytes + 1)
    problem = ctx.database_problem()
    if problem is not None:
        # Not an empty new database: the MTA keeps the message until the right one is set.
        click.echo(f"not taken, try later: {problem}", err=True)
        sys.exit(EX_TEMPFAIL)
    try:
        taken = intake.take(ctx.services, raw, via=intake.PIPE)
    except intake.TryLater as exc:
        click.echo(f"not taken, try later: {exc}", err=True)
        sys.exit(EX_TEMPFAIL)
    except Exception:
        # A bug must not bounce what a reporter wrote: the MTA keeps it and retries.
        log.exception("mail receive failed")
        sys.exit(EX_TEMPFAIL)
    if taken.refused:
        click.echo(f"refused: {taken.reason}", err=True)
        sys.exit(EX_DATAERR)
    what = taken.outcome + (" (already taken)" if taken.duplicate else "")
    click.echo(f"{what}" + (f" {taken.incident}" if taken.incident else ""))


@main.group()
def user() -> None:
    """Users and their groups."""


@user.command("add")
@click.argument("name")
@click.option(
    "--group",
    "groups",
    multiple=True,
    type=click.Choice([g.value for g in Group]),
    help="repeat for several; none makes a reporter",
)
@click.option(
    "--lead",
    "lead_of",
    multiple=True,
    type=click.Choice([g.value for g in Group]),
    help="a group (among --group) this user leads: told when it misses a target",
)
@click.option("--display-name", default=None)
@click.option("--contact", default=None, help="e-mail (notifications go there) or phone")
@pass_context
@fail_clearly
def user_add(ctx: _Context, name, groups, lead_of, display_name, contact) -> None:
    """Add a user."""
    ctx.services.db.upgrade()
    view = users.add_user(
        ctx.services,
        name,
        groups=list(groups),
        lead_of=list(lead_of),
        display_name=display_name,
        contact=contact,
    )
    leads = f"; leads {', '.join(view.leads)}" if view.leads else ""
    click.echo(
        f"user {view.username} added (groups: {', '.join(view.groups) or 'none: reporter'}{leads})"
    )


@user.command("passwd")
@click.argument("name")
@pass_context
@fail_clearly
def user_passwd(ctx: _Context, name: str) -> None:
    """Set the password NAME signs in to the web pages with.

    Asked twice on a terminal; otherwise read from the first line of standard
    input, so scripts can set it (never from the command line, where `ps` shows it).
    """
    import sys

    from .services import sign_in

    svc = ctx.services  # refuses a missing database before asking for the password
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    svc.db.upgrade()
    sign_in.set_password(svc, name, password)
    click.echo(f"password of {name} set")


user_commands.register(user)


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--label", default=None, help="what the token is for")
@pass_context
@fail_clearly
def token_create(ctx: _Context, name: str, label: str | None) -> None:
    """Create a token for user NAME and print it (it is shown only this once)."""
    _view, secret = users.create_token(ctx.services, name, label=label)
    click.echo(secret)


@token.command("list")
@click.argument("name")
@pass_context
@fail_clearly
def token_list(ctx: _Context, name: str) -> None:
    """List a user's tokens (never the tokens themselves)."""
    for view in users.list_tokens(ctx.services, name):
        state = f"revoked {view.revoked_at:%Y-%m-%d %H:%M}" if view.revoked_at else "active"
        click.echo(f"{view.id}\t{state}\t{view.label or ''}")


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_context
@fail_clearly
def token_revoke(ctx: _Context, token_id: int) -> None:
    """Revoke a token by its id (see `token list`)."""
    view = users.revoke_token(ctx.services, token_id)
    click.echo(f"token {view.id} of {view.username} revoked")


main.add_command(backup)
main.add_command(restore)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
