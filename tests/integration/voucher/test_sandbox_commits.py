"""The sandbox issuer's call commits without waiting for its WAL flush (shared/db/sandbox.py):
it stands for an outside system, and the voids it answers are acted on only in the saga's
own commit, which flushes. The setting is the call's transaction's alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import asyncpg
import pytest

from services.voucher.adapters.issuer import SandboxIssuer, VoidRequest, void_attempts
from tests.integration.voucher.conftest import Voucher

pytestmark = pytest.mark.integration


async def test_the_issuer_call_commits_unflushed_and_only_itself(
    voucher: Voucher, ids: Callable[[str], str]
) -> None:
    code = ids("SBX") + "0001"
    async with voucher.pool.acquire() as conn:
        # the call on a connection of its own, in a transaction the test can look into
        # before it ends: what the call's own transaction carries to its commit
        issuer = SandboxIssuer(cast(asyncpg.Pool, conn), voucher.settings)
        async with conn.transaction():
            [result] = await issuer.void_in_order([VoidRequest(code, f"{code}-r1")])
            assert result.voided
            assert await conn.fetchval("SHOW synchronous_commit") == "off"
        assert await conn.fetchval("SHOW synchronous_commit") == "on"  # the next one waits
    assert [a["succeeded"] for a in await void_attempts(voucher.pool, code)] == [True]
