"""What a sandbox process gives up before it evaluates anything.

Applied once, after every module it needs is imported and before the first
request: no core dumps, no file growth, no new descriptors, no processes,
an address-space cap, no root, and a seccomp filter that allows only the
system calls a Python process computing on data needs. Whatever a script
might reach by an escape from RestrictedPython, it could not open a file or a
socket, start a program, or signal another process.
"""

from __future__ import annotations

import errno
import os
import resource

# Reading and writing its pipes and its progress page, managing memory, signals
# and the CPU timer, clocks, and exiting. Everything else fails with EPERM.
ALLOWED_SYSCALLS = (
    "read",
    "write",
    "readv",
    "writev",
    "close",
    "fstat",
    "newfstatat",
    "lseek",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "brk",
    "mmap",
    "munmap",
    "mremap",
    "mprotect",
    "madvise",
    "futex",
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "sigaltstack",
    "setitimer",
    "getitimer",
    "getrusage",
    "clock_gettime",
    "clock_getres",
    "gettimeofday",
    "getpid",
    "gettid",
    "getrandom",
    "sched_yield",
    "restart_syscall",
    "exit",
    "exit_group",
)
NOBODY = 65534


def lock_down(*, memory_bytes: int, seccomp: bool) -> list[str]:
    """Apply the limits; returns what could not be applied here (for the host's log)."""
    notes: list[str] = []
    # Loaded first: once descriptors are capped no module file can be opened.
    syscall_filter = _syscall_filter(notes) if seccomp else None
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_NOFILE, _highest_fd() + 1)
    _limit(resource.RLIMIT_AS, _address_space() + memory_bytes)
    if os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    # Counted per user: as nobody (or the service's user) this stops fork at once.
    _limit(resource.RLIMIT_NPROC, 0)
    if syscall_filter is not None:
        syscall_filter.load()
    return notes


def _limit(which: int, value: int) -> None:
    resource.setrlimit(which, (value, value))


def _highest_fd() -> int:
    return max(int(name) for name in os.listdir("/proc/self/fd"))


def _address_space() -> int:
    """Bytes of address space mapped now (the interpreter and its modules)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _syscall_filter(notes: list[str]):
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError) as exc:  # no libseccomp on this system
        notes.append(f"seccomp is not available ({exc}); the other limits apply")
        return None
    syscalls = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    for name in ALLOWED_SYSCALLS:
        try:
            syscalls.add_rule(seccomp.ALLOW, name)
        except (OSError, ValueError):
            continue  # not a system call on this architecture (select on arm64)
    return syscalls
