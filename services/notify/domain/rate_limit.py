"""The per-phone SMS rate limit: a sliding window over the SMS that went to providers.

It protects people from floods (a loop in some publisher, someone requesting codes
for another's phone) and the company from SMS-pumping bills. Rejected requests do
not count; one SMS retried many times counts once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notify.domain.errors import RateLimited


@dataclass(frozen=True)
class RateLimit:
    count: int
    window: timedelta

    def __post_init__(self) -> None:
        if self.count < 1 or self.window <= timedelta(0):
            raise ValueError("a rate limit needs a positive count and window")


def check_rate(
    phone_masked: str, recent: Sequence[datetime], now: datetime, limit: RateLimit
) -> None:
    """Raise :class:`RateLimited` when one more SMS would exceed ``limit``.

    ``recent`` are the times SMS to this phone were accepted for sending; only
    those inside the window ending ``now`` count.
    """
    inside = sorted(t for t in recent if now - limit.window < t <= now)
    if len(inside) < limit.count:
        return
    free_at = inside[-limit.count] + limit.window
    raise RateLimited(
        f"{len(inside)} SMS to {phone_masked} in the last {_span(limit.window)};"
        f" at most {limit.count}; the next may go at {free_at.isoformat(timespec='seconds')}"
    )


def _span(window: timedelta) -> str:
    seconds = int(window.total_seconds())
    return f"{seconds // 60} minutes" if seconds % 60 == 0 else f"{seconds} seconds"
