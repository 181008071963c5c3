"""What the exchange platform tells us: orders issued, vouchers redeemed."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg

from services.voucher.domain.errors import (
    VoidedVoucherRedeemed,
    VoucherCodeTaken,
    VoucherNotIssuedYet,
)
from services.voucher.domain.model import VoucherStatus
from services.voucher.store import vouchers
from shared.contracts import VoucherIssued, VoucherRedeemed
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def record_exchanges(uow: UnitOfWork, orders: Sequence[VoucherIssued]) -> int:
    """Store new orders and their vouchers in one statement; an order seen before is skipped.

    Returns how many orders were new.
    """
    first = list({o.merchant_order_no: o for o in reversed(orders)}.values())[::-1]
    try:
        return len(await vouchers.insert_exchanges(uow.conn, first))
    except asyncpg.UniqueViolationError as exc:
        raise VoucherCodeTaken(f"a voucher code is already issued: {exc.detail}") from exc


async def redeem_voucher(
    uow: UnitOfWork, pool: asyncpg.Pool, redemption: VoucherRedeemed, ce_id: str
) -> None:
    """Record a store's redemption; one of a voided voucher is kept apart (on ``pool``, so
    it stays when the message goes to the DLQ) and refused."""
    conn = uow.conn
    voucher = await vouchers.lock_voucher(conn, redemption.code)
    if voucher is None:
        raise VoucherNotIssuedYet(f"voucher {redemption.code} is not issued yet")
    status = voucher.stored_status
    if status is VoucherStatus.USED:
        return  # the same redemption reported again
    if status is VoucherStatus.VOIDED:
        await vouchers.record_redemption_conflict(
            pool,
            ce_id=ce_id,
            code=redemption.code,
            redeemed_at=redemption.redeemed_at,
            store_id=redemption.store_id,
        )
        raise VoidedVoucherRedeemed(
            f"voucher {redemption.code} was redeemed at store {redemption.store_id}"
            f" at {redemption.redeemed_at.isoformat()} after it was voided"
        )
    # An expired voucher (stored so by the sweep or not yet) is still recorded: the
    # store's redemption is a fact, not a request.
    await vouchers.mark_used(conn, redemption.code, redemption.redeemed_at, redemption.store_id)
