"""`incident-desk backup` and `restore`: the database and its files, to a folder and back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from .services.backup import copies
from .services.backup.manifest import BackupError


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def backup(ctx, path: Path) -> None:
    """Back the database and its attachment files up into the new folder PATH.

    Safe while the service runs: the copy is one moment's state (SQLite's online
    backup; pg_dump on PostgreSQL) with the files that state refers to.
    """
    problem = ctx.database_problem()
    if problem is not None:
        raise click.ClickException(problem)
    try:
        made = copies.take(ctx.settings, path, datetime.now(UTC))
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    for name in made.missing_files:
        click.echo(f"warning: attachment file {name} is missing or damaged", err=True)
    click.echo(f"backup in {path}: {_counted(made.counts)}, {made.attachment_files} files")


@click.command()
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="replace a database that is not empty")
@click.pass_obj
def restore(ctx, path: Path, force: bool) -> None:
    """Restore the backup in folder PATH into the database (empty or new) and attachments
    folder the settings name; then `incident-desk db upgrade` (or `serve`) migrates it."""
    try:
        restored = copies.restore(ctx.settings, path, force=force)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    made = restored.manifest
    click.echo(
        f"restored the backup of {made.made_at} (revision {made.schema_revision}): "
        f"{_counted(restored.counts)}"
    )


def _counted(counts: dict[str, int]) -> str:
    shown = ("incidents", "comments", "attachments", "waiting_timers")
    return ", ".join(f"{counts[name]} {name.replace('_', ' ')}" for name in shown)
