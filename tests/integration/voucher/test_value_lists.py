"""The allowed values of a reversal's tables (migration 0011: domains, not table CHECK
constraints): every value allowed before is allowed, every other value refused, on a write
of a real row; the checks that tie two columns together still hold."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest

from tests.integration.voucher.conftest import Voucher, make_order

pytestmark = pytest.mark.integration

FAILURES = ("void_failed", "points_refund_failed", "voucher_used")

CASES: list[tuple[str, str, tuple[str, ...]]] = [
    # (what is written, the UPDATE with the value as $1 and the row's keys as $2 and $3, allowed)
    (
        "orders.source",
        "UPDATE orders SET source = $1 WHERE merchant_order_no = $2 AND $3 <> ''",
        ("bubble", "telecom_points", "e_coupon"),
    ),
    (
        "orders.deduction_status",
        "UPDATE orders SET deduction_status = $1 WHERE merchant_order_no = $2 AND $3 <> ''",
        ("deducted", "pending", "failed", "refunded"),
    ),
    (
        "orders.order_status",
        "UPDATE orders SET order_status = $1 WHERE merchant_order_no = $2 AND $3 <> ''",
        ("exchanged", "reversing", "reversal_failed", "reversed"),
    ),
    (
        "operations.type",
        "UPDATE operations SET type = $1::text, code = CASE WHEN $1::text = 'void' THEN $3 END"
        " WHERE merchant_order_no = $2",
        ("void", "reversal"),
    ),
    (
        "operations.status",
        "UPDATE operations SET status = $1 WHERE merchant_order_no = $2 AND $3 <> ''",
        ("pending", "succeeded", "failed"),
    ),
    (
        "operations.failure",
        "UPDATE operations SET failure = $1 WHERE merchant_order_no = $2 AND $3 <> ''",
        FAILURES,
    ),
    (
        "operation_records.type",
        "UPDATE operation_records SET type = $1 WHERE code = $3 AND $2 <> ''",
        ("void", "reversal"),
    ),
    (
        "operation_records.result",
        "UPDATE operation_records SET result = $1 WHERE code = $3 AND $2 <> ''",
        ("succeeded", "failed"),
    ),
    (
        "operation_records.failure",
        "UPDATE operation_records SET failure = $1 WHERE code = $3 AND $2 <> ''",
        FAILURES,
    ),
    (
        "reversal_sagas.state",
        "UPDATE reversal_sagas SET state = $1::text,"
        " failure = CASE WHEN $1::text = 'failed' THEN 'void_failed' END"
        " WHERE merchant_order_no = $2 AND $3 <> ''",
        ("voiding", "refund_requested", "succeeded", "failed"),
    ),
    (
        "reversal_sagas.failure",
        "UPDATE reversal_sagas SET state = 'failed', failure = $1"
        " WHERE merchant_order_no = $2 AND $3 <> ''",
        FAILURES,
    ),
]


@contextlib.asynccontextmanager
async def reversal_rows(
    voucher: Voucher, order_no: str, code: str
) -> AsyncIterator[asyncpg.Connection]:
    """An issued order, and an operation, its record and a saga for it as a reversal writes
    them, in a transaction rolled back at the end."""
    await voucher.issue(make_order(order_no, [code]))
    await voucher.wait_issued(code)
    operation_id, saga_id = uuid.uuid4(), uuid.uuid4()
    async with voucher.pool.acquire() as conn:
        outer = conn.transaction()
        await outer.start()
        try:
            await conn.execute(
                "INSERT INTO operations"
                " (operation_id, type, merchant_order_no, status, reason, operator)"
                " VALUES ($1, 'reversal', $2, 'pending', 'test', 'agent')",
                operation_id,
                order_no,
            )
            await conn.execute(
                "INSERT INTO operation_records"
                " (operation_id, code, type, result, reason, operator, attempt)"
                " VALUES ($1, $2, 'reversal', 'succeeded', 'test', 'agent', 1)",
                operation_id,
                code,
            )
            await conn.execute(
                "INSERT INTO reversal_sagas"
                " (saga_id, operation_id, merchant_order_no, state, attempt, refund_attempt)"
                " VALUES ($1, $2, $3, 'voiding', 1, 0)",
                saga_id,
                operation_id,
                order_no,
            )
            yield conn
        finally:
            await outer.rollback()


@pytest.mark.parametrize(("column", "update", "allowed"), CASES, ids=[c[0] for c in CASES])
async def test_a_value_list_allows_what_it_allowed_and_refuses_the_rest(
    voucher: Voucher, ids: Callable[[str], str], column: str, update: str, allowed: tuple[str, ...]
) -> None:
    order_no, code = ids("MVL"), ids("VL") + "0001"
    async with reversal_rows(voucher, order_no, code) as conn:
        for value in allowed:
            async with conn.transaction():  # a savepoint: each write on the same row
                assert await conn.execute(update, value, order_no, code) == "UPDATE 1"
        for refused in ("bogus", allowed[0].upper(), ""):
            with pytest.raises(asyncpg.CheckViolationError):
                async with conn.transaction():
                    await conn.execute(update, refused, order_no, code)


async def test_the_checks_of_two_columns_still_hold(
    voucher: Voucher, ids: Callable[[str], str]
) -> None:
    order_no, code = ids("MVT"), ids("VT") + "0001"
    async with reversal_rows(voucher, order_no, code) as conn:
        for refused in (
            "UPDATE reversal_sagas SET state = 'failed' WHERE merchant_order_no = $1",
            "UPDATE reversal_sagas SET failure = 'void_failed' WHERE merchant_order_no = $1",
            "UPDATE operations SET type = 'void' WHERE merchant_order_no = $1",
        ):
            with pytest.raises(asyncpg.CheckViolationError):
                async with conn.transaction():
                    await conn.execute(refused, order_no)


async def test_the_value_lists_are_checked_by_their_domains(voucher: Voucher) -> None:
    """Each list is its column's domain, and no table CHECK constraint repeats it (each
    statement that writes the table would compile that again)."""
    columns = [c[0] for c in CASES]
    rows = await voucher.pool.fetch(
        "SELECT c.relname || '.' || a.attname AS col, t.typtype::text AS typtype,"
        " (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'c'"
        "  AND k.conkey = ARRAY[a.attnum]) AS own_checks"
        " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        " JOIN pg_type t ON t.oid = a.atttypid"
        " WHERE c.relname || '.' || a.attname = ANY($1::text[])",
        columns,
    )
    assert sorted((r["col"], r["typtype"], r["own_checks"]) for r in rows) == sorted(
        (c, "d", 0) for c in columns
    )
