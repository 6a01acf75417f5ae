"""What a backup holds: its manifest, and the rows and files counted into it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, text

from ...domain.errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
ATTACHMENTS = "attachments"
# The database dump inside the backup folder, by the database it came from.
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# The rows a restore must find again; what a reader of the manifest wants to see.
COUNTED = (
    "incidents",
    "comments",
    "attachments",
    "timers",
    "process_instances",
    "human_tasks",
    "audit_events",
    "users",
)


class BackupError(DomainError):
    code = "backup_failed"


@dataclass(frozen=True)
class Manifest:
    made_at: str
    database: str
    schema_revision: str | None
    counts: dict[str, int]
    attachment_files: int = 0
    # Files rows refer to that the attachments folder did not have (or had damaged).
    missing_files: list[str] = field(default_factory=list)
    format: int = FORMAT

    @property
    def dump(self) -> str:
        return DUMPS[self.database]

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            raw = json.loads((folder / MANIFEST).read_text())
        except FileNotFoundError:
            raise BackupError(f"not a backup: no {MANIFEST} in {folder}") from None
        except ValueError:
            raise BackupError(f"{folder / MANIFEST} is not JSON") from None
        if raw.get("format") != FORMAT or raw.get("database") not in DUMPS:
            raise BackupError(f"{folder} is a backup of a format this version cannot read")
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})


def made_at(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def count_rows(connection: Connection) -> dict[str, int]:
    counts = {
        table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        for table in COUNTED
    }
    counts["waiting_timers"] = connection.execute(
        text("SELECT count(*) FROM timers WHERE state = 'waiting'")
    ).scalar_one()
    return counts


def files_referred_to(connection: Connection) -> list[str]:
    """SHA-256 names of the attachments whose bytes live in the folder, not the database."""
    rows = connection.execute(
        text("SELECT DISTINCT sha256 FROM attachments WHERE content IS NULL ORDER BY sha256")
    )
    return list(rows.scalars())


def revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()
