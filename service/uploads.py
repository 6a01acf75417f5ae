"""Files people upload: what they really are, safe names, and where the bytes go.

The content type is read from the bytes, never taken from the client, and
must be on the configured list: a file that claims to be a PNG but holds
HTML is refused, and what is stored is what is served back.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

import filetype

TEXT_TYPES = {
    ".txt": "text/plain",
    ".log": "text/plain",
    ".csv": "text/csv",
    ".json": "application/json",
}
MAX_NAME = 255


@dataclass(frozen=True)
class Inspected:
    filename: str
    content_type: str | None
    size: int
    sha256: str


def inspect(filename: str, content: bytes) -> Inspected:
    name = clean_filename(filename)
    return Inspected(name, sniff(name, content), len(content), hashlib.sha256(content).hexdigest())


def named_as(filename: str) -> str | None:
    """The type the file's name promises (`.png`: image/png), when it promises one."""
    return mimetypes.guess_type(filename, strict=False)[0]


def consistent(named: str | None, found: str | None) -> bool:
    """Whether the bytes are what the name says: a `.png` holding HTML is not."""
    if named is None or found is None or named == found:
        return True
    return _textual(named) and _textual(found)


def _textual(content_type: str) -> bool:
    return content_type.startswith("text/") or content_type in (
        "application/json",
        "application/xml",
    )


def sniff(filename: str, content: bytes) -> str | None:
    """The content type the bytes show, or None when they show nothing we recognise."""
    kind = filetype.guess(content)
    if kind is not None:
        return kind.mime
    if content and _is_text(content):
        return TEXT_TYPES.get(Path(filename).suffix.lower(), "text/plain")
    return None


def clean_filename(filename: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if not name:
        return "attachment"
    stem, dot, suffix = name.rpartition(".")
    if len(name) > MAX_NAME and dot and len(suffix) < 16:
        return stem[: MAX_NAME - len(suffix) - 1] + "." + suffix
    return name[:MAX_NAME]


def _is_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class FolderStore:
    """Attachment bytes in a folder, one file per SHA-256 (identical files are kept once)."""

    def __init__(self, folder: Path):
        self._folder = folder

    def put(self, sha256: str, content: bytes) -> None:
        target = self._path(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside then renamed: a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes:
        return self._path(sha256).read_bytes()

    def delete(self, sha256: str) -> None:
        """Remove the file (a person's erasure); nothing when it is not there."""
        self._path(sha256).unlink(missing_ok=True)

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a SHA-256")
        return self._folder / sha256[:2] / sha256
