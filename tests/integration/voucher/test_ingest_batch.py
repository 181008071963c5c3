"""Issue 14 point 8 for voucher ingest (voucher.issued.v1, a batch per transaction): an
order that can never be stored (a voucher code another order holds) rolls its batch back,
the batch is applied one message at a time and only that order is dead-lettered. Each
batch-mate's order and vouchers are stored once, and nothing reaching outside the
database (the outbox) moves."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.batch_replay import apply_one_batch, dead_letters, outside_effects, replayed, watch
from tests.integration.voucher.conftest import Voucher, make_order

pytestmark = pytest.mark.integration

NAME = "voucher.issued"


async def test_an_order_with_a_taken_code_replays_no_batch_mate(
    voucher: Voucher, ids: Callable[[str], str], caplog: pytest.LogCaptureFixture
) -> None:
    watch(caplog)
    runtime = voucher.app.state.platform.runtime
    taken = ids("TAKEN")
    await apply_one_batch(runtime, NAME, [make_order(ids("MHOLD"), [taken])])
    orders = [
        make_order(ids("MA"), [ids("CA1"), ids("CA2")]),
        make_order(ids("MB"), [ids("CB"), taken]),  # voucher_code_taken: never storable
        make_order(ids("MC"), [ids("CC")]),
        make_order(ids("MD"), [ids("CD")]),
    ]
    before = await outside_effects(voucher.pool)

    with dead_letters(runtime) as dead:
        sent = await apply_one_batch(runtime, NAME, orders)

    assert replayed(caplog, NAME)
    # of this batch (the service's own consumer may dead-letter another test's message meanwhile)
    assert [d for d in dead if d in sent] == [sent[1]]  # the order holding the taken code, alone
    rows = await voucher.pool.fetch(
        "SELECT merchant_order_no, code FROM vouchers WHERE merchant_order_no = ANY($1)",
        [o["merchant_order_no"] for o in orders],
    )
    stored = sorted((r["merchant_order_no"], r["code"]) for r in rows)
    wanted = [o for i, o in enumerate(orders) if i != 1]
    assert stored == sorted(
        (o["merchant_order_no"], v["code"]) for o in wanted for v in o["vouchers"]
    )
    assert await outside_effects(voucher.pool) == before
