"""When a payout is tried again, and when it is given to a person instead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base: timedelta
    cap: timedelta = timedelta(hours=1)

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """After ``attempts`` failed tries: when to try again, or None to flag it for a person."""
        if attempts >= self.max_attempts:
            return None
        delay: timedelta = min(self.base * 2 ** (attempts - 1), self.cap)
        return now + delay


def payout_id(kind: str, subject_id: str) -> str:
    """The provider's idempotency key: one per form or requested refund, the same on retries."""
    return f"{kind}-{subject_id}"
