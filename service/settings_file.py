"""The settings file: where the command line finds it, and how its lines become settings.

One file of `INCIDENT_DESK_...=value` lines (the format of systemd's EnvironmentFile
and compose's env_file), so `serve`, the worker and every other command read the
same database. A relative SQLite path or attachments folder in it is taken from
the file's folder: the file sits next to the data it names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url

from .config import PREFIX, Settings

FILE_NAME = "incident-desk.env"
# Names the file itself when set; not a setting of its own.
CONFIG_VARIABLE = PREFIX + "CONFIG"
SYSTEM_FILE = Path("/etc/incident-desk") / FILE_NAME


class SettingsFileError(ValueError):
    """The settings file named cannot be read, or holds what is not a setting."""


def find(
    explicit: Path | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path | None:
    """The settings file: `explicit` (--config), else $INCIDENT_DESK_CONFIG, else
    `incident-desk.env` in the current folder, else /etc/incident-desk/incident-desk.env."""
    environ = os.environ if environ is None else environ
    named = explicit or (Path(environ[CONFIG_VARIABLE]) if environ.get(CONFIG_VARIABLE) else None)
    if named is not None:
        if not named.is_file():
            raise SettingsFileError(f"no settings file at {named}")
        return named
    for candidate in ((cwd or Path.cwd()) / FILE_NAME, SYSTEM_FILE):
        if candidate.is_file():
            return candidate
    return None


def read(path: Path) -> dict[str, str]:
    """The file's settings as environment variables, relative paths made absolute."""
    try:
        values = dotenv_values(path)
    except OSError as exc:
        raise SettingsFileError(f"cannot read the settings file {path}: {exc.strerror}") from None
    known = {PREFIX + f.metadata["env"] for f in fields(Settings)}
    unknown = sorted(name for name in values if name not in known)
    if unknown:
        raise SettingsFileError(f"{path}: not a setting: {', '.join(unknown)}")
    base = path.resolve().parent
    settings = {name: value or "" for name, value in values.items()}
    url = settings.get(PREFIX + "DATABASE_URL")
    if url:
        settings[PREFIX + "DATABASE_URL"] = _anchored_sqlite(url, base)
    attachments = settings.get(PREFIX + "ATTACHMENTS_DIR")
    if attachments:
        settings[PREFIX + "ATTACHMENTS_DIR"] = str(base / Path(attachments).expanduser())
    return settings


def load(
    config: Path | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> tuple[Settings, Path | None]:
    """The settings and the file they came from: the file, then the environment over it,
    then `database_url` (--database) over both."""
    environ = os.environ if environ is None else environ
    path = find(config, environ, cwd)
    merged = {**(read(path) if path else {}), **environ}
    if database_url:
        merged[PREFIX + "DATABASE_URL"] = database_url
    return Settings.from_env(merged), path


def _anchored_sqlite(url: str, base: Path) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return url
    path = Path(parsed.database).expanduser()
    if path.is_absolute():
        return url
    return parsed.set(database=str(base / path)).render_as_string(hide_password=False)
