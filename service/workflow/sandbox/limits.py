"""What a sandbox process may use: the budgets of one call, and the hardening switches."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

DEFAULT_CPU_SECONDS = 2.0
DEFAULT_MEMORY_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_DATA_BYTES = 1024 * 1024
# Instances a sandbox process keeps loaded after running them, so that the next step of
# one of them neither crosses the pipe with its state nor parses it again. Each costs
# memory of the process, inside its budget.
HELD_INSTANCES = 8


@dataclass(frozen=True)
class Limits:
    """Budgets per call (one engine run, or one decision), enforced by the kernel.

    `cpu_seconds` is CPU time of the sandbox process; `wall_seconds` bounds a
    call from the outside when the process makes no progress on the CPU (or
    stopped its own timer); `memory_bytes` is address space above what the
    process holds when it is ready. `seccomp` filters system calls down to
    what computing on data needs.
    """

    cpu_seconds: float = DEFAULT_CPU_SECONDS
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    max_data_bytes: int = DEFAULT_MAX_DATA_BYTES
    seccomp: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.cpu_seconds <= 600:
            raise ValueError(f"the CPU budget must be within (0, 600] seconds: {self.cpu_seconds}")
        if self.memory_bytes < 16 * 1024 * 1024:
            raise ValueError(f"the memory budget must be at least 16 MB: {self.memory_bytes}")
        if self.max_data_bytes < 1024:
            raise ValueError(f"the data limit must be at least 1 KB: {self.max_data_bytes}")

    @property
    def wall_seconds(self) -> float:
        # Room for a machine busy with other work (at a load of three runnable
        # processes per core a run still gets its whole CPU budget); a run in a
        # tight loop is stopped by its CPU timer long before.
        return 3 * self.cpu_seconds + 2

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Limits:
        return cls(**wire)
