"""``voucher.issued.v1`` messages as the exchange platform would publish them.

Made from the same synthetic orders as the query benchmark's data, as freshly
issued orders: every voucher available, every order just exchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench import datagen
from bench.kafka import Message, message
from shared.contracts import VOUCHER_ISSUED, IssuedVoucher, VoucherIssued

SOURCE = "/exchange-platform/bench"


def issued_orders(count: int, seed: int = 7) -> list[VoucherIssued]:
    """``count`` exchange orders with their vouchers."""
    shape = datagen.Shape(vouchers=round(count * datagen.MEAN_VOUCHERS_PER_ORDER) + 1, seed=seed)
    orders: list[VoucherIssued] = []
    index = 0
    while len(orders) < count:
        chunk = datagen.chunk(shape, index)
        index += 1
        by_order: dict[str, list[tuple[Any, ...]]] = {}
        for v in chunk.vouchers:
            by_order.setdefault(v[1], []).append(v)
        for o in chunk.orders:
            if len(orders) == count:
                break
            orders.append(
                VoucherIssued(
                    merchant_order_no=o[0],
                    user_id=o[1],
                    phone=o[2],
                    source=o[3],
                    points_deducted=o[4],
                    deduction_status="deducted" if o[5] == "refunded" else o[5],
                    exchanged_at=o[6],
                    vouchers=[
                        IssuedVoucher(code=v[0], face_value=v[6], valid_from=v[7], valid_to=v[8])
                        for v in by_order[o[0]]
                    ],
                )
            )
    return orders


def message_of(order: VoucherIssued) -> Message:
    return message(VOUCHER_ISSUED, order, source=SOURCE)


def rows_of(orders: list[VoucherIssued]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The orders and vouchers rows these orders become, for the raw COPY baseline."""
    received = datetime.now(UTC)
    order_rows: list[tuple[Any, ...]] = []
    voucher_rows: list[tuple[Any, ...]] = []
    for o in orders:
        order_rows.append(
            (
                o.merchant_order_no,
                o.user_id,
                o.phone,
                o.source,
                o.points_deducted,
                o.deduction_status,
                o.exchanged_at,
                "exchanged",
                received,
            )
        )
        voucher_rows += [
            (
                v.code,
                o.merchant_order_no,
                o.user_id,
                o.phone,
                o.source,
                o.exchanged_at,
                v.face_value,
                v.valid_from,
                v.valid_to,
                "available",
                None,
                None,
                None,
            )
            for v in o.vouchers
        ]
    return order_rows, voucher_rows
