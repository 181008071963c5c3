"""Sign-in throttling: after too many failures in a window, a lock that grows.

Counted per account and per client address. A lock starts after the allowed number of
failures in the window and doubles with each failure past it (counted from the latest
failure), never longer than the window itself: a guesser gets a handful of tries a
quarter of an hour, a person who mistyped waits a minute.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    failures_allowed: int
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(minutes=1)

    def lock(self, failures: int) -> timedelta | None:
        """How long ``failures`` in the window lock out, counted from the latest one."""
        if failures < self.failures_allowed:
            return None
        doublings = min(failures - self.failures_allowed, 16)
        lock: timedelta = self.first_lock * (1 << doublings)
        return min(lock, self.window)


def retry_after(policy: ThrottlePolicy, failures: Sequence[datetime], now: datetime) -> int | None:
    """Seconds until the next attempt is heard, or None if it may be made now.

    ``failures`` are the attempts not (yet) known to be right, within the window.
    """
    lock = policy.lock(len(failures))
    if lock is None:
        return None
    until = max(failures) + lock
    if until <= now:
        return None
    return max(1, math.ceil((until - now).total_seconds()))
