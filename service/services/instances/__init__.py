"""Process owners' operations on running instances and on deployed versions.

`operations` suspends, resumes, terminates, retries and resets instances;
`retiring` stops versions or whole processes from starting new instances.
"""

from .operations import reset, reset_points, resume, retry, suspend, terminate
from .retiring import retire_process, retire_version

__all__ = [
    "reset",
    "reset_points",
    "resume",
    "retire_process",
    "retire_version",
    "retry",
    "suspend",
    "terminate",
]
