"""How many failed sign-ins (or unknown tokens) before the next try has to wait.

Counted per key (an account, a client address) within a window; past the
limit each further failure doubles the wait, up to a ceiling. A wait applies
to the right password too: otherwise guessing goes on at full speed and only
the answers are slowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    limit: int  # failures within the window before waits begin
    window: timedelta
    first_wait: timedelta
    longest_wait: timedelta


# Per account: a few tries, then waits. Per client address: more (people share one
# behind NAT), then waits too. Unknown API tokens: per address, like sign-in.
ACCOUNT = Policy(
    limit=5,
    window=timedelta(minutes=15),
    first_wait=timedelta(seconds=30),
    longest_wait=timedelta(minutes=15),
)
ADDRESS = Policy(
    limit=20,
    window=timedelta(minutes=15),
    first_wait=timedelta(minutes=1),
    longest_wait=timedelta(minutes=15),
)
TOKEN_ADDRESS = ADDRESS


@dataclass(frozen=True)
class Count:
    failures: int
    since: datetime
    blocked_until: datetime | None = None


def after_failure(count: Count | None, now: datetime, policy: Policy) -> Count:
    if count is None or (now - count.since > policy.window and not _blocked(count, now)):
        count = Count(0, now)
    failures = count.failures + 1
    blocked_until = count.blocked_until
    if failures >= policy.limit:
        wait = policy.first_wait * 2 ** min(failures - policy.limit, 30)
        blocked_until = now + min(wait, policy.longest_wait)
    return Count(failures, count.since, blocked_until)


def retry_after(count: Count | None, now: datetime) -> int | None:
    """Seconds to wait before trying again, or None when a try may be made now."""
    if count is None or not _blocked(count, now):
        return None
    return max(1, math.ceil((count.blocked_until - now).total_seconds()))


def _blocked(count: Count, now: datetime) -> bool:
    return count.blocked_until is not None and count.blocked_until > now
