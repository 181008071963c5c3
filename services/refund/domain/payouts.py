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


def destination(kind: str, user_id: str, method: str | None, account: str | None) -> str:
    """The account a requested refund is paid to: the original paying account the
    requester recorded (seed 004: a stored-value refund goes back where it came from),
    else the platform's own channel for the user (a deposit)."""
    if method and account:
        return f"{method}:{account}"
    return f"{kind}:{user_id}"


def payout_id(kind: str, subject_id: str) -> str:
    """The provider's idempotency key: one per form or requested refund, the same on retries."""
    return f"{kind}-{subject_id}"
