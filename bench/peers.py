"""The reversal benchmark's peers: the same durable work done two other ways, on the same
server and the same orders' data as Kefu, so ``bench.reversal`` can say what Kefu's own
design costs.

The work, per reversal (what Kefu's saga does, less its messages):

* lock the order, void its available vouchers, one row per void in the sandbox issuer's
  ledger (``sandbox_issuer.void_attempts``);
* refund the order's points exactly once by refund id (a ledger movement whose refund id
  is unique, then the account's balance), in a points ledger of the peers' own
  (``bench_peers``) beside the vouchers;
* conclude the operation (an ``operations`` row, succeeded) and queue the customer's
  in-app notice (a row in ``bench_peers.notices``: these peers publish nothing).

* **floor**: plain asyncpg, all of it in one transaction: what the work costs with no
  engine at all.
* **DBOS**: a DBOS Transact workflow of three steps (void, refund, conclude), each its own
  asyncpg transaction, checkpointed by DBOS in its system database (``bench_dbos`` on the
  same server). DBOS is a benchmark-only dependency (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

REASON = "benchmark: customer asked for the order to be reversed"
PEERS_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS bench_peers;
CREATE TABLE IF NOT EXISTS bench_peers.accounts (
    user_id text PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0)
);
CREATE TABLE IF NOT EXISTS bench_peers.movements (
    id bigserial PRIMARY KEY, refund_id text NOT NULL UNIQUE, user_id text NOT NULL,
    points bigint NOT NULL, merchant_order_no text NOT NULL, at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS bench_peers.notices (
    id bigserial PRIMARY KEY, user_id text NOT NULL, merchant_order_no text NOT NULL,
    body text NOT NULL, at timestamptz NOT NULL DEFAULT now()
);
"""

Reverse = Callable[[str], Awaitable[str]]


async def prepare(voucher_url: str) -> None:
    conn = await asyncpg.connect(voucher_url)
    try:
        await conn.execute(PEERS_SCHEMA)
    finally:
        await conn.close()


# --- the work, one function per step; each runs in the caller's transaction ----------


async def void_order(conn: asyncpg.Connection, order_no: str, operation_id: str) -> list[str]:
    await conn.execute("SELECT 1 FROM orders WHERE merchant_order_no = $1 FOR UPDATE", order_no)
    codes = [
        r["code"]
        for r in await conn.fetch(
            "UPDATE vouchers SET status = 'voided', voided_at = now()"
            " WHERE merchant_order_no = $1 AND status = 'available' RETURNING code",
            order_no,
        )
    ]
    await conn.execute(
        "INSERT INTO sandbox_issuer.void_attempts (code, request_id, succeeded, detail)"
        " SELECT c, $2 || '-void-' || c, true, 'voided' FROM unnest($1::text[]) AS c",
        codes,
        operation_id,
    )
    return codes


async def refund_points(conn: asyncpg.Connection, order_no: str, refund_id: str) -> bool:
    """The points back exactly once: a second call with the same refund id moves nothing."""
    order = await conn.fetchrow(
        "SELECT user_id, points_deducted FROM orders WHERE merchant_order_no = $1", order_no
    )
    assert order is not None
    moved = await conn.fetchval(
        "INSERT INTO bench_peers.movements (refund_id, user_id, points, merchant_order_no)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (refund_id) DO NOTHING RETURNING true",
        refund_id,
        order["user_id"],
        order["points_deducted"],
        order_no,
    )
    if moved:
        await conn.execute(
            "INSERT INTO bench_peers.accounts (user_id, balance) VALUES ($1, $2)"
            " ON CONFLICT (user_id) DO UPDATE SET balance = bench_peers.accounts.balance + $2",
            order["user_id"],
            order["points_deducted"],
        )
    return bool(moved)


async def conclude(conn: asyncpg.Connection, order_no: str, operation_id: str) -> None:
    await conn.execute(
        "INSERT INTO operations (operation_id, type, merchant_order_no, status, reason, operator)"
        " VALUES ($1, 'reversal', $2, 'succeeded', $3, 'bench') ON CONFLICT DO NOTHING",
        uuid.UUID(operation_id),
        order_no,
        REASON,
    )
    await conn.execute(
        "INSERT INTO bench_peers.notices (user_id, merchant_order_no, body)"
        " SELECT user_id, merchant_order_no, 'points refunded' FROM orders"
        " WHERE merchant_order_no = $1",
        order_no,
    )


# --- the floor ----------------------------------------------------------------------


def floor(pool: asyncpg.Pool) -> Reverse:
    async def reverse(order_no: str) -> str:
        operation_id = str(uuid.uuid4())
        async with pool.acquire() as conn, conn.transaction():
            await void_order(conn, order_no, operation_id)
            await refund_points(conn, order_no, f"{operation_id}-refund")
            await conclude(conn, order_no, operation_id)
        return "succeeded"

    return reverse


# --- DBOS Transact --------------------------------------------------------------------


class Dbos:
    """A DBOS Transact app in this process: a three-step reversal workflow."""

    def __init__(self, pool: asyncpg.Pool, system_database_url: str) -> None:
        from dbos import DBOS, SetWorkflowID

        self._set_id = SetWorkflowID
        self._dbos = DBOS(
            config={
                "name": "kefu-bench",
                "system_database_url": system_database_url,
                "log_level": "WARNING",
            }
        )

        async def in_transaction(step: Callable[..., Awaitable[Any]], *args: Any) -> Any:
            async with pool.acquire() as conn, conn.transaction():
                return await step(conn, *args)

        @DBOS.step()
        async def void_step(order_no: str, operation_id: str) -> list[str]:
            result: list[str] = await in_transaction(void_order, order_no, operation_id)
            return result

        @DBOS.step()
        async def refund_step(order_no: str, refund_id: str) -> bool:
            return bool(await in_transaction(refund_points, order_no, refund_id))

        @DBOS.step()
        async def conclude_step(order_no: str, operation_id: str) -> None:
            await in_transaction(conclude, order_no, operation_id)

        @DBOS.workflow()
        async def reversal(order_no: str, operation_id: str) -> str:
            await void_step(order_no, operation_id)
            await refund_step(order_no, f"{operation_id}-refund")
            await conclude_step(order_no, operation_id)
            return "succeeded"

        self._workflow = reversal

    def launch(self) -> None:
        from dbos import DBOS

        DBOS.launch()

    def destroy(self) -> None:
        from dbos import DBOS

        DBOS.destroy(destroy_registry=True)

    def reverse(self) -> Reverse:
        async def reverse(order_no: str) -> str:
            operation_id = str(uuid.uuid4())
            with self._set_id(operation_id):  # the workflow's id: a retry runs it once
                result: str = await self._workflow(order_no, operation_id)
            return result

        return reverse


def sqlalchemy_url(url: str) -> str:
    """An asyncpg URL as SQLAlchemy's psycopg dialect takes it (DBOS's system database)."""
    return url.replace("postgresql://", "postgresql+psycopg://", 1)
