"""What the use cases need from the outside, built once by the composition root.

Add a field with a default for a new dependency (an adapter, a policy), so every
caller that builds ``Deps`` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg

from services.rental.domain.tariff import Tariff
from services.rental.settings import RentalSettings
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork


@dataclass
class Deps(OpensUnitsOfWork):
    pool: asyncpg.Pool
    settings: RentalSettings
    source: str = "/kefu/rental"
    """The CloudEvents source of what this service publishes."""
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def tariff(self) -> Tariff:
        return Tariff(
            unit_cents=self.settings.rental_tariff_unit_cents,
            unit_minutes=self.settings.rental_tariff_unit_minutes,
            daily_cap_cents=self.settings.rental_tariff_daily_cap_cents,
            free_minutes=self.settings.rental_tariff_free_minutes,
        )
