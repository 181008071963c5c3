"""What the use cases need from the outside, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from services.points.adapters.provider import PointsProvider
from services.points.settings import PointsSettings
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork


@dataclass
class Deps(OpensUnitsOfWork):
    pool: asyncpg.Pool
    provider: PointsProvider
    settings: PointsSettings
    source: str = "/kefu/points"
    """The CloudEvents source of what this service publishes."""
    clock: Callable[[], datetime] = field(default=utc_now)
