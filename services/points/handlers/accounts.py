"""A user's points account, read at the provider."""

from __future__ import annotations

from services.points.adapters.provider import PointsAccount
from services.points.deps import Deps


async def user_points(deps: Deps, user_id: str, limit: int) -> PointsAccount:
    """The user's balance and latest movements, as the provider's books show them."""
    return await deps.provider.account(user_id, limit)
