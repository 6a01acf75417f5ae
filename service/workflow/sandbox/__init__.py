"""Where process owners' code runs: separate, locked-down processes with budgets.

`pool.py` is the host's side, `child.py` the process's; `lockdown.py` says what
the process gives up, `limits.py` what it may use. docs/security.md has the
threat model.
"""

from .limits import Limits
from .pool import Sandbox, shared

__all__ = ["Limits", "Sandbox", "shared"]
