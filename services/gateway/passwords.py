"""Password hashing with argon2id. Hashing is slow on purpose, so it runs off the event
loop, in a bounded pool: a burst of sign-ins takes at most ``workers`` threads (and a
bounded line), never the CPU the other requests need."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.admission import Admission

T = TypeVar("T")


class Passwords:
    def __init__(
        self, hasher: PasswordHasher | None = None, workers: int = 1, queue: int = 32
    ) -> None:
        self._hasher = hasher or PasswordHasher()
        # Checked against when the user does not exist, so both paths take as long. Made
        # at the first such sign-in (in a worker thread), not while the gateway starts.
        self._decoy: str | None = None
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._admission = Admission("password checks", workers, queue)

    async def _run(self, work: Callable[[], T]) -> T:
        async with self._admission.admit():
            return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    async def hash(self, password: str) -> str:
        return await self._run(lambda: self._hasher.hash(password))

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await self._run(lambda: self._verify(password_hash, password))

    def _verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None and self._decoy is None:
            self._decoy = self._hasher.hash("decoy password for unknown users")
        try:
            self._hasher.verify(password_hash or self._decoy or "", password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
