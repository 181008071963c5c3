"""A bike as the agent sees it: its last lock report and its latest trip.

The lock guard (seed 001, 3.1 step 4: 若非已锁状态,客服人员不允许做任何操作) lives here,
because every command that frees a stuck rental asks it: the exception fix and the
user status fix. Only when the lock last reported ``locked``, or the bike is already
rented by someone else, may the agent change anything; otherwise on-site staff go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.errors import LockNotLocked
from services.rental.domain.model import OPEN, BikeStatus, OrderStatus, bike_status_of


@dataclass(frozen=True)
class BikeFacts:
    bike_id: str
    lock_state: str | None
    """The last state its lock reported; None when it never did."""
    lock_reported_at: datetime | None
    latest_trip_id: str | None
    latest_trip_user: str | None
    latest_trip_status: OrderStatus | None

    @property
    def status(self) -> BikeStatus:
        return bike_status_of(self.latest_trip_status)

    @property
    def current_trip_id(self) -> str | None:
        """The open trip that holds the bike now, if any."""
        return self.latest_trip_id if self.latest_trip_status in OPEN else None

    def rented_by_other(self, trip_id: str, user_id: str) -> bool:
        """Another user's trip holds the bike now (so this order's lock no longer matters)."""
        return (
            self.current_trip_id is not None
            and self.latest_trip_id != trip_id
            and self.latest_trip_user != user_id
        )


def lock_refusal(lock_state: str | None, bike_rented_by_other: bool) -> LockNotLocked | None:
    """Why a stuck rental may not be freed now, or None when it may."""
    if lock_state == "locked" or bike_rented_by_other:
        return None
    return LockNotLocked(
        f"the bike's lock is {lock_state or 'never reported'}, not locked:"
        " change nothing and send on-site staff"
    )
