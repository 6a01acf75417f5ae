"""Taking a backup into a folder and restoring one: the database dump, the attachment
files the database refers to, and the manifest that checks the two against each other."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from ... import uploads
from ...config import Settings
from ...db import missing_sqlite_file
from . import manifest, postgres, sqlite
from .manifest import BackupError, Manifest


@dataclass(frozen=True)
class Restored:
    manifest: Manifest
    counts: dict[str, int]


def _dialect(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in manifest.DUMPS:
        raise BackupError(f"cannot back up a {name} database (SQLite or PostgreSQL only)")
    return name


def take(settings: Settings, target: Path, now: datetime) -> Manifest:
    """Back the database and its attachment files up into the new folder `target`."""
    url = settings.database_url
    database = _dialect(url)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Built aside and renamed at the end: a half-made backup never looks like one.
    partial = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.partial-"))
    try:
        dump = partial / manifest.DUMPS[database]
        inspected = (sqlite.dump if database == "sqlite" else postgres.dump)(url, dump, _inspect)
        revision, counts, files = inspected
        copied, missing = _copy_files(settings.attachments_dir, files, partial)
        found = Manifest(
            made_at=manifest.made_at(now),
            database=database,
            schema_revision=revision,
            counts=counts,
            attachment_files=copied,
            missing_files=missing,
        )
        found.write(partial)
        if target.exists():
            target.rmdir()
        os.replace(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return found


def _inspect(connection):
    return (
        manifest.revision(connection),
        manifest.count_rows(connection),
        manifest.files_referred_to(connection),
    )


def _copy_files(folder: str, names: list[str], backup: Path) -> tuple[int, list[str]]:
    if not names:
        return 0, []
    source = uploads.FolderStore(Path(folder)) if folder else None
    copy = uploads.FolderStore(backup / manifest.ATTACHMENTS)
    copied, missing = 0, []
    for name in names:
        try:
            content = source.get(name) if source else None
        except OSError:
            content = None
        if content is None or hashlib.sha256(content).hexdigest() != name:
            missing.append(name)
            continue
        copy.put(name, content)
        copied += 1
    return copied, missing


def restore(settings: Settings, source: Path, *, force: bool = False) -> Restored:
    """Restore the backup in `source` into the database and attachments folder of
    `settings`; refused when the database holds tables, unless `force`."""
    found = Manifest.read(source)
    url = settings.database_url
    database = _dialect(url)
    if database != found.database:
        raise BackupError(
            f"{source} is a {found.database} backup; it restores into a {found.database} database"
        )
    dump = source / found.dump
    if not dump.is_file():
        raise BackupError(f"{source} has no {found.dump}")
    files = sorted((source / manifest.ATTACHMENTS).glob("??/*"))
    if files and not settings.attachments_dir:
        raise BackupError(
            f"the backup holds {len(files)} attachment files: "
            "set INCIDENT_DESK_ATTACHMENTS_DIR to the folder they go to"
        )
    occupied = _tables(url)
    if occupied and not force:
        raise BackupError(
            f"the database {make_url(url).render_as_string(hide_password=True)} is not empty "
            f"({len(occupied)} tables); restore into an empty one, or give --force to replace it"
        )
    if database == "sqlite":
        sqlite.load(dump, url)
    else:
        postgres.load(dump, url, replace=bool(occupied))
    if files:
        store = uploads.FolderStore(Path(settings.attachments_dir))
        for file in files:
            store.put(file.name, file.read_bytes())
    counts = _read(url, manifest.count_rows)
    if counts != found.counts:
        raise BackupError(f"the restored database does not hold what {manifest.MANIFEST} says")
    return Restored(manifest=found, counts=counts)


def _tables(url: str) -> list[str]:
    if missing_sqlite_file(url) is not None:
        return []
    return _read(url, lambda connection: inspect(connection).get_table_names())


def _read(url: str, reader):
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as connection:
            return reader(connection)
    finally:
        engine.dispose()
