"""How a reversal's rows are written, where that is what PostgreSQL's work per reversal is
made of (bench.reversal --statements): each test reads the counters of its own transaction
(``pg_stat_get_xact_*``), rolled back at the end."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from services.voucher.deps import Deps
from services.voucher.handlers import reversal
from services.voucher.store import sagas
from services.voucher.store.timers import seconds_to_next_due
from tests.integration.voucher.conftest import Voucher
from tests.integration.voucher.test_reversal_statements import (
    an_order,
    refunded,
    rolled_back,
    started,
)

pytestmark = pytest.mark.integration


async def updates(conn: asyncpg.Connection, table: str) -> tuple[int, int]:
    """This transaction's updates of ``table`` so far, and of those the HOT ones."""
    row = await conn.fetchrow(
        "SELECT pg_stat_get_xact_tuples_updated($1::regclass) AS n,"
        " pg_stat_get_xact_tuples_hot_updated($1::regclass) AS hot",
        table,
    )
    assert row is not None
    return int(row["n"]), int(row["hot"])


async def test_a_reversals_end_updates_its_operation_in_place(voucher: Voucher, ids: Any) -> None:
    """The operation's end changes no indexed column (nor one an index's predicate names),
    so it is a HOT update: no index entry written, the new version on the same page."""
    order_no, codes = await an_order(voucher, ids, points=300)
    deps: Deps = voucher.app.state.deps
    async with rolled_back(voucher) as (uow, _):
        begun = await started(uow, deps, order_no, ids("K"))
        assert begun.voiding is not None
        await reversal._record_voids(uow, deps, begun.voiding.step, sorted(codes), None)
        found = await sagas.get(uow.conn, begun.saga_id)
        assert found is not None
        before = await updates(uow.conn, "operations")
        await reversal.apply_points_result(uow, refunded(found, order_no, 300))
        after = await updates(uow.conn, "operations")
        assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
        status = await uow.conn.fetchval(
            "SELECT status FROM operations WHERE operation_id = $1", begun.operation_id
        )
        assert status == "succeeded"


async def test_the_pending_voids_timers_are_still_read_from_an_index(voucher: Voucher) -> None:
    """The sweep's next-due read and its claim of stalled voids read the timers' partial
    index, not the whole table of operations."""
    async with voucher.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")  # what the plan could use
        for sql in (
            "SELECT min(due_at) FROM operations WHERE type = 'void' AND status = 'pending'",
            "SELECT operation_id FROM operations WHERE type = 'void' AND status = 'pending'"
            " AND due_at <= now() ORDER BY due_at LIMIT 20",
        ):
            plan = "\n".join(r[0] for r in await conn.fetch("EXPLAIN " + sql))
            assert "operations_due" in plan, plan
        await seconds_to_next_due(conn)  # the sweep's own statement runs


async def test_a_sagas_writes_go_only_to_the_indexes_its_reads_use(voucher: Voucher) -> None:
    """Each of a saga's three writes adds an entry to every index of reversal_sagas: it keeps
    those its reads and rules use (by id; one saga per order, ever; the timers), not one
    on the operation id, which nothing reads a saga by."""
    indexes = await voucher.pool.fetch(
        "SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def"
        " FROM pg_index WHERE indrelid = 'reversal_sagas'::regclass ORDER BY 1"
    )
    assert [r["name"] for r in indexes] == [
        "reversal_sagas_due",
        "reversal_sagas_merchant_order_no_key",
        "reversal_sagas_pkey",
    ], [r["def"] for r in indexes]
