"""The read side: what the agent's screens show, as response models built from rows.

Times are shown in the business time zone; phone numbers are masked.
"""

from __future__ import annotations

from datetime import date, tzinfo
from uuid import UUID

import asyncpg

from services.voucher.domain.errors import OperationNotFound, VoucherNotFound
from services.voucher.domain.model import voucher_status
from services.voucher.domain.operation import Outcome
from services.voucher.domain.query import VoucherQuery
from services.voucher.domain.rules import OrderFacts, voucher_actions
from services.voucher.store import operations, search, vouchers
from shared.api.voucher import (
    OperationOut,
    OperationPageOut,
    OperationStatusOut,
    OperationViewOut,
    VoucherDetailOut,
    VoucherOut,
    VoucherPageOut,
)
from shared.masking import mask_phone
from shared.paging import Position, page_of, whole_list


def operation_status(outcome: Outcome) -> OperationStatusOut:
    """What a void, reversal or retry command answers."""
    failure = outcome.failure.value if outcome.failure else None
    return OperationStatusOut(
        operation_id=outcome.operation_id, status=outcome.status, failure=failure
    )


def _item(
    row: asyncpg.Record, order: OrderFacts, roles: frozenset[str], today: date, tz: tzinfo
) -> VoucherOut:
    status = voucher_status(row["status"], row["valid_to"], today)
    redeemed_at = row["redeemed_at"]
    return VoucherOut(
        code=row["code"],
        merchant_order_no=row["merchant_order_no"],
        exchanged_at=row["exchanged_at"].astimezone(tz),
        order_status=row["order_status"],
        source=row["source"],
        deduction_status=row["deduction_status"],
        status=status,
        face_value=str(row["face_value"]),
        valid_from=row["valid_from"],
        valid_to=row["valid_to"],
        phone=mask_phone(row["phone"]),
        user_id=row["user_id"],
        redeemed_at=redeemed_at.astimezone(tz) if redeemed_at else None,
        store_id=row["store_id"],
        actions=[a.value for a in voucher_actions(row["code"], status, order, roles)],
    )


def _record(row: asyncpg.Record, tz: tzinfo) -> OperationOut:
    return OperationOut(
        operation_no=row["operation_no"],
        operation_id=row["operation_id"],
        operator=row["operator"],
        at=row["at"].astimezone(tz),
        type=row["type"],
        result=row["result"],
        failure=row["failure"],
        reason=row["reason"],
        trace_id=row["trace_id"],
    )


async def list_vouchers(
    pool: asyncpg.Pool, query: VoucherQuery, roles: frozenset[str], today: date, tz: tzinfo
) -> VoucherPageOut:
    async with pool.acquire() as conn:
        page = page_of(await search.search(conn, query, today), query.limit, _position)
        orders = await vouchers.order_facts(
            conn, {r["merchant_order_no"] for r in page.items}, today
        )
    return VoucherPageOut(
        items=[_item(r, orders[r["merchant_order_no"]], roles, today, tz) for r in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


def _position(row: asyncpg.Record) -> Position:
    return Position(row["exchanged_at"], row["code"])


async def voucher_operations(pool: asyncpg.Pool, code: str, tz: tzinfo) -> OperationPageOut:
    async with pool.acquire() as conn:
        exists = await conn.fetchval("SELECT 1 FROM vouchers WHERE code = $1", code)
        if not exists:
            raise VoucherNotFound(f"no voucher {code}")
        records = [_record(r, tz) for r in await operations.records_of(conn, code)]
    return OperationPageOut(items=records, **whole_list(len(records)))


async def voucher_detail(
    pool: asyncpg.Pool, code: str, roles: frozenset[str], today: date, tz: tzinfo
) -> VoucherDetailOut:
    async with pool.acquire() as conn:
        row = await search.voucher_row(conn, code)
        if row is None:
            raise VoucherNotFound(f"no voucher {code}")
        order = await vouchers.facts_of_order(conn, row["merchant_order_no"], today)
        records = [_record(r, tz) for r in await operations.records_of(conn, code)]
    return VoucherDetailOut(**_item(row, order, roles, today, tz).model_dump(), operations=records)


async def operation_view(pool: asyncpg.Pool, operation_id: UUID, tz: tzinfo) -> OperationViewOut:
    row = await operations.get(pool, operation_id)
    if row is None:
        raise OperationNotFound(f"no operation {operation_id}")
    return OperationViewOut(
        operation_id=row["operation_id"],
        type=row["type"],
        status=row["status"],
        failure=row["failure"],
        merchant_order_no=row["merchant_order_no"],
        code=row["code"],
        reason=row["reason"],
        operator=row["operator"],
        attempt=row["attempt"],
        created_at=row["created_at"].astimezone(tz),
        updated_at=row["updated_at"].astimezone(tz),
    )
