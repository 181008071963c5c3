"""Sandbox SMS providers for development and tests, with a real ledger in our database.

Like a payment provider's test cards, they fail on documented phone numbers:

* ending ``0000``: the primary provider is always unavailable (the secondary sends);
* ending ``0001``: both providers are always unavailable (retried, then given up);
* ending ``0002``: each provider is unavailable on its first call for a message
  (the first round fails, the retry sends);
* ending ``0003``: both reject the number for good (given up at once, no retry).

``sandbox_sms_primary_fail_all`` / ``sandbox_sms_secondary_fail_all`` make one
provider unavailable for every number; ``sandbox_sms_delay_ms`` makes both slow.
Each provider dedupes on our message id: asked twice for one message it sends once
and answers with the same provider message id.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

import asyncpg

from services.notify.adapters.sms_provider import (
    OutgoingSms,
    ProviderRejected,
    ProviderUnavailable,
    SmsReceipt,
)
from services.notify.settings import NotifySettings

PRIMARY = "sandbox-primary"
SECONDARY = "sandbox-secondary"
PRIMARY_FAILS = "0000"
BOTH_FAIL = "0001"
FLAKY = "0002"
NO_SUCH_NUMBER = "0003"


@dataclass(frozen=True)
class _Refusal:
    message: str
    permanent: bool


class SandboxSmsProvider:
    def __init__(
        self,
        pool: asyncpg.Pool,
        name: str,
        *,
        unavailable_for: frozenset[str],
        delay_ms: int = 0,
        fail_all: bool = False,
    ) -> None:
        self._pool = pool
        self._name = name
        self._unavailable_for = unavailable_for
        self._delay = delay_ms / 1000
        self._fail_all = fail_all

    @property
    def name(self) -> str:
        return self._name

    async def send(self, sms: OutgoingSms) -> SmsReceipt:
        if self._delay:
            await asyncio.sleep(self._delay)
        # Its own connection and transaction, as an outside system would have: what it
        # commits stays committed whatever becomes of the caller's transaction.
        async with self._pool.acquire() as conn, conn.transaction():
            answer = await self._send_in(conn, sms)
        if isinstance(answer, _Refusal):  # raised after the commit: the call still counts
            if answer.permanent:
                raise ProviderRejected(answer.message)
            raise ProviderUnavailable(answer.message)
        return answer

    async def _send_in(self, conn: asyncpg.Connection, sms: OutgoingSms) -> SmsReceipt | _Refusal:
        # The upsert locks the message's call row: calls for one message id queue here.
        calls: int = await conn.fetchval(
            "INSERT INTO sandbox_sms_calls (provider, message_id, calls) VALUES ($1, $2, 1)"
            " ON CONFLICT (provider, message_id) DO UPDATE"
            " SET calls = sandbox_sms_calls.calls + 1, last_call_at = now() RETURNING calls",
            self._name,
            sms.message_id,
        )
        sent = await conn.fetchval(
            "SELECT provider_message_id FROM sandbox_sms_ledger"
            " WHERE provider = $1 AND message_id = $2",
            self._name,
            sms.message_id,
        )
        if sent is not None:
            return SmsReceipt(self._name, sent, sent_now=False)
        refusal = self._refusal(sms.phone, calls)
        if refusal is not None:
            return refusal
        provider_message_id = f"{self._name}-{uuid.uuid4().hex[:16]}"
        await conn.execute(
            "INSERT INTO sandbox_sms_ledger (provider, message_id, phone, text,"
            " provider_message_id) VALUES ($1, $2, $3, $4, $5)",
            self._name,
            sms.message_id,
            sms.phone,
            sms.text,
            provider_message_id,
        )
        return SmsReceipt(self._name, provider_message_id, sent_now=True)

    def _refusal(self, phone: str, calls: int) -> _Refusal | None:
        if phone.endswith(NO_SUCH_NUMBER):
            return _Refusal(
                f"{self._name}: no such number (test numbers ending {NO_SUCH_NUMBER})", True
            )
        if self._fail_all:
            return _Refusal(f"{self._name}: unavailable (set to fail every message)", False)
        for suffix in self._unavailable_for:
            if phone.endswith(suffix):
                return _Refusal(f"{self._name}: unavailable (test numbers ending {suffix})", False)
        if phone.endswith(FLAKY) and calls == 1:
            return _Refusal(
                f"{self._name}: unavailable on a first call (test numbers ending {FLAKY})", False
            )
        return None


def sandbox_providers(pool: asyncpg.Pool, settings: NotifySettings) -> list[SandboxSmsProvider]:
    """The primary and the secondary sandbox provider, in failover order."""
    return [
        SandboxSmsProvider(
            pool,
            PRIMARY,
            unavailable_for=frozenset({PRIMARY_FAILS, BOTH_FAIL}),
            delay_ms=settings.sandbox_sms_delay_ms,
            fail_all=settings.sandbox_sms_primary_fail_all,
        ),
        SandboxSmsProvider(
            pool,
            SECONDARY,
            unavailable_for=frozenset({BOTH_FAIL}),
            delay_ms=settings.sandbox_sms_delay_ms,
            fail_all=settings.sandbox_sms_secondary_fail_all,
        ),
    ]
