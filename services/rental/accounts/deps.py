"""What the accounts use cases need beyond the service's :class:`Deps`: the counter's
payment device, the top-up code key, the card types' limits, the code policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from services.rental.accounts.adapters.payment_counter import CounterPayments, SandboxCounter
from services.rental.accounts.domain.topup_limits import TopUpLimits, limits_table
from services.rental.deps import Deps
from services.rental.settings import RentalSettings
from shared import sealing
from shared.devstack.secrets import persisted_secret
from shared.unit_of_work import OpensUnitsOfWork
from shared.verification import CodePolicy

CODE_SECRET_FILE = "rental_code_secret"


def code_key(settings: RentalSettings) -> bytes:
    """The HMAC key of top-up codes: from settings, else generated once under ``home``
    (several replicas must share one: set ``KEFU_RENTAL_CODE_SECRET``)."""
    if settings.rental_code_secret is not None:
        return settings.rental_code_secret.get_secret_value().encode()
    return persisted_secret(settings.home / CODE_SECRET_FILE, 32).encode()


@dataclass
class AccountDeps(OpensUnitsOfWork):
    pool: asyncpg.Pool
    settings: RentalSettings
    counter: CounterPayments
    code_key: bytes
    seal_public_key: X25519PublicKey
    """notify's key: a top-up code travels sealed for it alone."""
    limits: dict[str, TopUpLimits]
    source: str
    clock: Callable[[], datetime]
    topup_lease: timedelta = timedelta(seconds=30)
    """How long a top-up's driver may be at the payment device before the recovery sweep
    takes the charge over (the driver gives up after half of it)."""
    topup_backstop_seconds: float = 60.0
    """The longest the recovery sweep sleeps without being told (a lost wake's cost)."""

    @classmethod
    def of(
        cls, deps: Deps, *, service: str = "rental", counter: CounterPayments | None = None
    ) -> AccountDeps:
        """``service`` names the database the sandbox counter keeps its ledger in."""
        sandbox = SandboxCounter(service, deps.settings)
        return cls(
            pool=deps.pool,
            settings=deps.settings,
            counter=counter or sandbox,
            code_key=code_key(deps.settings),
            seal_public_key=sealing.public_key(deps.settings),
            limits=limits_table(deps.settings.rental_topup_limits),
            source=deps.source,
            clock=deps.clock,
        )

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.tz

    @property
    def code_policy(self) -> CodePolicy:
        return CodePolicy.of(self.settings)

    @property
    def identity_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.rental_identity_ttl_minutes)
