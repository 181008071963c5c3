"""What the use cases need from the outside, built once by the composition root."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from services.notify.adapters.failover import FailoverSender
from services.notify.domain.codes import CodePolicy
from services.notify.domain.rate_limit import RateLimit
from services.notify.settings import NotifySettings
from shared.timestamps import utc_now
from shared.unit_of_work import OpensUnitsOfWork


@dataclass
class Deps(OpensUnitsOfWork):
    pool: asyncpg.Pool
    settings: NotifySettings
    sender: FailoverSender
    code_key: bytes
    """The HMAC key of stored verification codes."""
    seal_key: X25519PrivateKey
    """Opens the sealed parameters of SMS requests (and seals this service's own codes)."""
    source: str = "/kefu/notify"
    """The CloudEvents source of what this service publishes."""
    clock: Callable[[], datetime] = field(default=utc_now)

    @property
    def rate_limit(self) -> RateLimit:
        return RateLimit(
            self.settings.sms_rate_limit_count,
            timedelta(seconds=self.settings.sms_rate_limit_window_seconds),
        )

    @property
    def code_policy(self) -> CodePolicy:
        return CodePolicy.of(self.settings)
