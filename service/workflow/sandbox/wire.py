"""Messages between the service and a sandbox process, over a pair of pipes.

A message is a JSON header and an optional blob of bytes (an instance state,
a spec), framed by their two lengths. The blob travels as it is, so a state
of some hundred kilobytes is not escaped into a JSON string and parsed back.
"""

from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import Any

_FRAME = struct.Struct("!II")
# Far above any real message; a corrupt length must not make the reader allocate gigabytes.
MAX_PART_BYTES = 256 * 1024 * 1024


class WireClosed(Exception):
    """The other side closed its end (it exited or was killed)."""


class WireTimeout(Exception):
    """Nothing complete arrived before the deadline."""


def send(fd: int, header: dict[str, Any], blob: bytes = b"") -> None:
    head = json.dumps(header, separators=(",", ":")).encode()
    data = memoryview(_FRAME.pack(len(head), len(blob)) + head + blob)
    while data:
        try:
            written = os.write(fd, data)
        except BrokenPipeError:
            raise WireClosed("the other side closed the pipe") from None
        data = data[written:]


def receive(fd: int, deadline: float | None = None) -> tuple[dict[str, Any], bytes]:
    """The next message; `deadline` is a `time.monotonic()` value, None waits for ever."""
    head_length, blob_length = _FRAME.unpack(_read(fd, _FRAME.size, deadline))
    if head_length > MAX_PART_BYTES or blob_length > MAX_PART_BYTES:
        raise WireClosed(f"a frame of {head_length} + {blob_length} bytes is corrupt")
    header = json.loads(_read(fd, head_length, deadline))
    blob = _read(fd, blob_length, deadline) if blob_length else b""
    return header, blob


def _read(fd: int, size: int, deadline: float | None) -> bytes:
    parts = []
    while size:
        if deadline is not None:
            _wait_readable(fd, deadline)
        chunk = os.read(fd, min(size, 1024 * 1024))
        if not chunk:
            raise WireClosed("the other side closed the pipe")
        parts.append(chunk)
        size -= len(chunk)
    return b"".join(parts)


def _wait_readable(fd: int, deadline: float) -> None:
    # poll, not select: a busy server's descriptors may be numbered above FD_SETSIZE.
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not poller.poll(remaining * 1000):
        raise WireTimeout("no answer before the deadline")
