"""The read side: what the agent's screens show, as response models built from the store's
read models.

Times are shown in the business time zone; phone numbers are masked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, tzinfo
from uuid import UUID

import asyncpg

from services.voucher.domain.errors import OperationNotFound, VoucherNotFound
from services.voucher.domain.model import VoucherStatus, voucher_status
from services.voucher.domain.operation import OperationRecord, Outcome
from services.voucher.domain.query import ListedVoucher, VoucherQuery, parse_query
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
from shared.db import Db
from shared.masking import mask_phone
from shared.paging import Position, page_of, whole_list


def operation_status(outcome: Outcome) -> OperationStatusOut:
    """What a void, reversal or retry command answers."""
    failure = outcome.failure.value if outcome.failure else None
    return OperationStatusOut(
        operation_id=outcome.operation_id, status=outcome.status, failure=failure
    )


def _item(
    v: ListedVoucher, order: OrderFacts, roles: frozenset[str], today: date, tz: tzinfo
) -> VoucherOut:
    status = voucher_status(v.stored_status, v.valid_to, today)
    return VoucherOut(
        code=v.code,
        merchant_order_no=v.merchant_order_no,
        exchanged_at=v.exchanged_at.astimezone(tz),
        order_status=v.order_status,
        source=v.source,
        deduction_status=v.deduction_status,
        status=status,
        face_value=str(v.face_value),
        valid_from=v.valid_from,
        valid_to=v.valid_to,
        phone=mask_phone(v.phone),
        user_id=v.user_id,
        redeemed_at=v.redeemed_at.astimezone(tz) if v.redeemed_at else None,
        store_id=v.store_id,
        actions=[a.value for a in voucher_actions(v.code, status, order, roles)],
    )


def _record(record: OperationRecord, tz: tzinfo) -> OperationOut:
    return OperationOut(
        operation_no=record.operation_no,
        operation_id=record.operation_id,
        operator=record.operator,
        at=record.at.astimezone(tz),
        type=record.type,
        result=record.result,
        failure=record.failure,
        reason=record.reason,
        trace_id=record.trace_id,
    )


async def list_vouchers(
    pool: Db, query: VoucherQuery, roles: frozenset[str], today: date, tz: tzinfo
) -> VoucherPageOut:
    page = page_of(await search.search(pool, query, today), query.limit, _position)
    return VoucherPageOut(
        items=[_item(v, order, roles, today, tz) for v, order in page.items],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


WARM_UP_FILTERS: tuple[Mapping[str, str], ...] = (
    {},
    {"phone": "0000"},
    {"user_id": "-"},
    {"code": "-"},
    {"merchant_order_no": "-"},
    {"source": "bubble"},
    *({"status": status.value} for status in VoucherStatus),
    {"order_date_from": "2000-01-01", "order_date_to": "2000-01-01"},
)
"""A search form's shapes one filter at a time (each shape is a statement of its own)."""


async def warm_up_search(pool: asyncpg.Pool, today: date, tz: tzinfo) -> None:
    """Open every connection the pool may hold and search through it once per filter shape,
    before the service says it is up.

    A pooled connection is opened on demand, and a new connection's first statements pay
    for its server process's catalog reads and the statement's preparation; the page's
    response models are built at their first use. Agents' first searches arriving together
    met all of it at once (bench/RESULTS.md, section (a2)); now the start-up does. Values
    that match nothing or a page of one: each statement reads a few index pages."""

    async def one_connection() -> None:
        async with pool.acquire() as conn:
            for params in WARM_UP_FILTERS:
                query = parse_query({**params, "limit": "1"}, tz)
                await list_vouchers(conn, query, frozenset(), today, tz)

    await asyncio.gather(*(one_connection() for _ in range(pool.get_max_size())))


def _position(listed: search.Listed) -> Position:
    v, _ = listed
    return Position(v.exchanged_at, v.code)


async def voucher_operations(pool: asyncpg.Pool, code: str, tz: tzinfo) -> OperationPageOut:
    async with pool.acquire() as conn:
        if await vouchers.order_no_of(conn, code) is None:
            raise VoucherNotFound(f"no voucher {code}")
        records = [_record(r, tz) for r in await operations.records_of(conn, code)]
    return OperationPageOut(items=records, **whole_list(len(records)))


async def voucher_detail(
    pool: asyncpg.Pool, code: str, roles: frozenset[str], today: date, tz: tzinfo
) -> VoucherDetailOut:
    async with pool.acquire() as conn:
        found = await search.listed_voucher(conn, code, today)
        if found is None:
            raise VoucherNotFound(f"no voucher {code}")
        listed, order = found
        records = [_record(r, tz) for r in await operations.records_of(conn, code)]
    item = _item(listed, order, roles, today, tz)
    return VoucherDetailOut(**item.model_dump(), operations=records)


async def operation_view(pool: asyncpg.Pool, operation_id: UUID, tz: tzinfo) -> OperationViewOut:
    op = await operations.get(pool, operation_id)
    if op is None:
        raise OperationNotFound(f"no operation {operation_id}")
    return OperationViewOut(
        operation_id=op.operation_id,
        type=op.type,
        status=op.status,
        failure=op.failure,
        merchant_order_no=op.merchant_order_no,
        code=op.code,
        reason=op.reason,
        operator=op.operator,
        attempt=op.attempt,
        created_at=op.created_at.astimezone(tz),
        updated_at=op.updated_at.astimezone(tz),
    )
