"""Sign-in protection: the attempts per account and per client address, and their locks.

An attempt is written down *before* its password is checked (and taken back when it
was right), under a per-subject lock: a burst of parallel guesses sees the ones ahead
of it, so at most the allowed number reach the password hash, and the rest are
refused cheaply with 429 and ``Retry-After``. Subjects are keyed digests: a password
typed into the username field is never stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from services.gateway import audit
from services.gateway.domain.throttle import ThrottlePolicy, retry_after
from shared.errors import DomainError
from shared.settings import Settings

log = logging.getLogger(__name__)
SIGN_INS_AT_ONCE = 2
SIGN_INS_WAITING = 128


class TooManyAttempts(DomainError):
    """Answered 429 with ``Retry-After``."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after_seconds


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt, written down until its password proves right."""

    ids: tuple[int, ...]
    address: str | None


class SignInGuard:
    def __init__(
        self,
        pool: asyncpg.Pool,
        key: bytes,
        per_account: ThrottlePolicy,
        per_address: ThrottlePolicy,
    ) -> None:
        self._pool = pool
        self._key = key
        self._policies = {"account": per_account, "address": per_address}
        self._turns: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _subject(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    async def begin(self, username: str, address: str | None, known: str | None) -> Attempt:
        """Write an attempt down before its password is checked (:meth:`right` takes it
        back). Refused with :class:`TooManyAttempts` while the account or the address is
        locked. ``known``: the account's name if it exists (for the audit)."""
        subjects = [("account", self._subject("account", username))]
        if address:
            subjects.append(("address", self._subject("address", address)))
        async with contextlib.AsyncExitStack() as held:
            # A burst waits its turn here, holding no database connection (the other
            # requests need those); the advisory locks below order other replicas.
            for _, subject in subjects:  # always account, then address: no lock cycles
                await held.enter_async_context(self._turn(subject))
            locked, ids = await self._count_and_write(subjects)
        if locked is not None:
            kind, wait = locked
            await audit.record(
                self._pool,
                "sign_in_locked",
                username=known,
                address=address,
                locked=kind,
                retry_after=wait,
            )
            raise TooManyAttempts(
                f"too many failed sign-ins for this {kind}: try again in {wait} s", wait
            )
        return Attempt(tuple(ids), address)

    def _turn(self, subject: str) -> asyncio.Lock:
        lock = self._turns.get(subject)
        if lock is None:
            lock = self._turns[subject] = asyncio.Lock()
        return lock

    async def _count_and_write(
        self, subjects: list[tuple[str, str]]
    ) -> tuple[tuple[str, int] | None, list[int]]:
        """The first lock found (kind, seconds left), else the attempt's rows written."""
        now = datetime.now(UTC)
        async with self._pool.acquire() as conn, conn.transaction():
            for _, subject in subjects:
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", subject)
            for kind, subject in subjects:
                policy = self._policies[kind]
                failures = await conn.fetch(
                    "SELECT at FROM sign_in_attempts WHERE kind = $1 AND subject = $2 AND at > $3",
                    kind,
                    subject,
                    now - policy.window,
                )
                wait = retry_after(policy, [r["at"] for r in failures], now)
                if wait is not None:
                    return (kind, wait), []
            ids = [
                await conn.fetchval(
                    "INSERT INTO sign_in_attempts (kind, subject, at) VALUES ($1, $2, $3)"
                    " RETURNING id",
                    kind,
                    subject,
                    now,
                )
                for kind, subject in subjects
            ]
        return None, ids

    async def right(self, attempt: Attempt, username: str) -> None:
        """The password was right: the account's failures are forgiven, and this attempt
        no longer counts against its address (the address's other failures still do)."""
        await self._pool.execute(
            "DELETE FROM sign_in_attempts WHERE id = ANY($1::bigint[])"
            " OR (kind = 'account' AND subject = $2)",
            list(attempt.ids),
            self._subject("account", username),
        )

    async def purge(self, now: datetime) -> int:
        longest = max(p.window for p in self._policies.values())
        result: str = await self._pool.execute(
            "DELETE FROM sign_in_attempts WHERE at < $1", now - longest
        )
        return int(result.split()[-1])


def sign_in_guard(pool: asyncpg.Pool, token_secret: str, settings: Settings) -> SignInGuard:
    window = timedelta(minutes=settings.sign_in_window_minutes)
    # the subjects' digest key is derived from the token secret, for this use only
    key = hmac.new(token_secret.encode(), b"kefu sign-in attempts", hashlib.sha256).digest()
    return SignInGuard(
        pool,
        key,
        ThrottlePolicy(settings.sign_in_failures_per_account, window),
        ThrottlePolicy(settings.sign_in_failures_per_address, window),
    )


async def purge_attempts_forever(guard: SignInGuard, every_seconds: float = 3600.0) -> None:
    """Delete attempts older than the longest window, hourly. It stays periodic (attempts
    age out by time passing, not by a write); the throttle counts only the attempts within
    its window, so an old one left an hour longer only takes room: every five minutes
    woke the gateway twelve times as often for nothing."""
    while True:
        try:
            await guard.purge(datetime.now(UTC))
        except Exception:
            log.exception("purging sign-in attempts failed")
        await asyncio.sleep(every_seconds)
