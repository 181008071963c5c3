"""What the gateway's routes share for the life of the process, built in the lifespan."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.gateway.accounts import Accounts
from services.gateway.idempotency import IdempotencyKeys
from services.gateway.passwords import Passwords
from services.gateway.sign_in import SignInGuard
from services.gateway.tokens import Tokens
from services.gateway.upstream import Upstreams
from shared.platform import Platform
from shared.settings import Settings


@dataclass(frozen=True)
class Gateway:
    settings: Settings
    platform: Platform
    tokens: Tokens
    passwords: Passwords
    sign_ins: SignInGuard
    upstreams: Upstreams
    keys: IdempotencyKeys
    accounts: Accounts

    @property
    def pool(self) -> asyncpg.Pool:
        return self.platform.pool
