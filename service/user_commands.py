"""`incident-desk user groups|disable|enable|list|export|erase|sso-link|sso-unlink`:
administering people, their data and their single sign-on from the command line, as the
operator (no admin token needed)."""

from __future__ import annotations

import json

import click

from .cli_errors import fail_clearly
from .domain.enums import Group
from .services.people import accounts, erasure, export
from .services.sso import links

_GROUPS = click.Choice([g.value for g in Group])


def _services():
    """The services of `main`'s context, which refuses a missing or unmigrated database."""
    return click.get_current_context().find_root().obj.services


def _line(view: accounts.AccountView) -> str:
    state = "\tdisabled" if view.disabled_at else ""
    return f"{view.username}\t{','.join(view.groups) or '-'}\t{view.display_name or ''}{state}"


@click.command("list")
@click.option("--group", default=None, type=_GROUPS, help="only members of this group")
@click.option("--disabled", is_flag=True, help="only disabled accounts")
@fail_clearly
def user_list(group: str | None, disabled: bool) -> None:
    """List users: name, groups, display name (and `disabled`)."""
    found = accounts.list_accounts(_services(), None, group=group, disabled=disabled or None)
    for view in found:
        click.echo(_line(view))


@click.command("groups")
@click.argument("name")
@click.option("--group", "groups", multiple=True, type=_GROUPS, help="repeat; none: a reporter")
@click.option("--lead", "lead_of", multiple=True, type=_GROUPS, help="a group (among --group) led")
@fail_clearly
def user_groups(name: str, groups: tuple[str, ...], lead_of: tuple[str, ...]) -> None:
    """Set the groups NAME is in and leads (replacing the old ones)."""
    view = accounts.update_account(
        _services(), None, name, {"groups": list(groups), "lead_of": list(lead_of)}
    )
    leads = f"; leads {', '.join(view.lead_of)}" if view.lead_of else ""
    click.echo(f"user {view.username}: groups {', '.join(view.groups) or 'none: reporter'}{leads}")


@click.command("disable")
@click.argument("name")
@fail_clearly
def user_disable(name: str) -> None:
    """Disable NAME: tokens revoked, sessions ended, held tasks back to their groups."""
    done = accounts.disable(_services(), None, name)
    click.echo(
        f"user {done.account.username} disabled: {done.tokens_revoked} token(s) revoked, "
        f"{len(done.released_tasks)} task(s) released"
    )


@click.command("enable")
@click.argument("name")
@fail_clearly
def user_enable(name: str) -> None:
    """Let NAME sign in again (old tokens stay revoked)."""
    view = accounts.enable(_services(), None, name)
    click.echo(f"user {view.username} enabled")


@click.command("export")
@click.argument("name")
@fail_clearly
def user_export(name: str) -> None:
    """Print everything the desk holds about NAME as JSON (GDPR Art. 15)."""
    data = export.export_person(_services(), None, name)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


@click.command("erase")
@click.argument("name")
@click.option("--reason", required=True, help="why: the request's reference (audited)")
@fail_clearly
def user_erase(name: str, reason: str) -> None:
    """Pseudonymise NAME (GDPR Art. 17); incident figures and the audit trail stay."""
    done = erasure.erase_person(_services(), None, name, reason)
    click.echo(
        f"{name} erased as {done.account.username}: {len(done.incidents)} incident(s), "
        f"{done.comments} comment(s), {done.attachments} file(s), {done.emails} e-mail(s)"
    )


_ISSUER = click.option(
    "--issuer", default=None, help="the provider's issuer URL (default: INCIDENT_DESK_OIDC_ISSUER)"
)


@click.command("sso-link")
@click.argument("name")
@click.argument("subject")
@_ISSUER
@fail_clearly
def user_sso_link(name: str, subject: str, issuer: str | None) -> None:
    """Let the provider's SUBJECT (its `sub` claim) sign in as the existing user NAME."""
    done = links.link(_services(), name, subject, issuer=issuer)
    click.echo(f"user {done.username} signs in as {done.subject} at {done.issuer}")


@click.command("sso-unlink")
@click.argument("name")
@_ISSUER
@fail_clearly
def user_sso_unlink(name: str, issuer: str | None) -> None:
    """The provider no longer signs anyone in as NAME (a password, if set, still works)."""
    done = links.unlink(_services(), name, issuer=issuer)
    click.echo(f"user {done.username} no longer signs in at {done.issuer}")


def register(group: click.Group) -> None:
    for command in (
        user_list,
        user_groups,
        user_disable,
        user_enable,
        user_export,
        user_erase,
        user_sso_link,
        user_sso_unlink,
    ):
        group.add_command(command)
