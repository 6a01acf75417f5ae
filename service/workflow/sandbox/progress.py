"""Where a sandbox process is: the element it runs, on a page both sides map.

The child writes the id of each element before it runs or evaluates it; when
the kernel stops the child (CPU budget, memory) the host still reads where.
A write is a few bytes into shared memory, no system call.
"""

from __future__ import annotations

import mmap
import os
import struct

PAGE_BYTES = 4096
_LENGTH = struct.Struct("!H")
_MAX_ID = 1024


class Progress:
    def __init__(self, fd: int):
        self._map = mmap.mmap(fd, PAGE_BYTES)

    @classmethod
    def create(cls) -> tuple[Progress, int]:
        """A new page and its descriptor (to pass to the child)."""
        fd = os.memfd_create("incident-desk-sandbox-progress")
        os.ftruncate(fd, PAGE_BYTES)
        return cls(fd), fd

    def mark(self, element_id: str) -> None:
        encoded = element_id.encode()[:_MAX_ID]
        self._map[_LENGTH.size : _LENGTH.size + len(encoded)] = encoded
        self._map[: _LENGTH.size] = _LENGTH.pack(len(encoded))

    def clear(self) -> None:
        self._map[: _LENGTH.size] = _LENGTH.pack(0)

    def element(self) -> str | None:
        (length,) = _LENGTH.unpack(self._map[: _LENGTH.size])
        if not length:
            return None
        return self._map[_LENGTH.size : _LENGTH.size + length].decode(errors="replace")

    def close(self) -> None:
        self._map.close()
