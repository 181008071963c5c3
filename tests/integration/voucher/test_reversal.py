"""The order reversal saga end to end on the real broker and database: the points
gateway's answers are published here by hand, as the gateway would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

import pytest

from services.voucher.adapters.issuer import void_attempts
from services.voucher.store import sagas, vouchers
from shared.contracts import NOTIFY_INAPP_REQUESTED, POINTS_REVERSAL_RESULT
from tests.infra import eventually
from tests.integration.voucher.conftest import Voucher, make_order, tuned, waits_holding_the_order
from tests.kafka import consumed

pytestmark = pytest.mark.integration

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"
REASON = "工单 88: 用户要求整单返销"


async def order(voucher: Voucher, ids, *codes: str, **fields: Any) -> tuple[str, list[str]]:
    """An order with these codes made unique, keeping their endings ("B9998")."""
    full = [ids(c[0]) + c[1:] for c in codes]
    order_no = f"M{full[0]}"
    await voucher.issue(make_order(order_no, full, user_id=ids("U"), **fields))
    await voucher.wait_issued(*full)
    return order_no, full


async def reverse(voucher: Voucher, order_no: str, reason: Any = REASON, **headers: str) -> Any:
    return await voucher.http.post(
        f"/orders/{order_no}/reversal", json={"reason": reason}, headers=headers
    )


async def statuses(voucher: Voucher, codes: list[str]) -> list[str]:
    return [(await voucher.voucher(c))["status"] for c in codes]


async def order_row(voucher: Voucher, order_no: str) -> tuple[str, str]:
    row = await voucher.pool.fetchrow(
        "SELECT order_status, deduction_status FROM orders WHERE merchant_order_no = $1", order_no
    )
    return row["order_status"], row["deduction_status"]


async def attempts(voucher: Voucher, codes: list[str]) -> list[int]:
    return [len(await void_attempts(voucher.pool, c)) for c in codes]


async def records(voucher: Voucher, code: str) -> list[tuple[str, str, str | None]]:
    ops = (await voucher.voucher(code))["operations"]
    return [(r["type"], r["result"], r["failure"]) for r in ops]


async def seen(voucher: Voucher, *ce_ids: str) -> None:
    """Wait until the points answer consumer has taken these messages in."""

    async def taken() -> bool:
        n = await voucher.pool.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = 'voucher.points_result'"
            " AND ce_id = ANY($1::text[])",
            list(ce_ids),
        )
        return bool(n == len(ce_ids))

    await eventually(taken)


async def inapp_requests(voucher: Voucher, user_id: str) -> list[dict[str, Any]]:
    """The in-app messages the service left in its outbox for the notify service."""
    rows = await voucher.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = $1 AND key = $2 ORDER BY id",
        NOTIFY_INAPP_REQUESTED.name,
        user_id,
    )
    return [json.loads(r["payload"]) for r in rows]


async def test_reversal_voids_every_voucher_then_the_points_come_back(
    voucher: Voucher, ids
) -> None:
    order_no, codes = await order(voucher, ids, "A0001", "A0002", "A0003", points=3000)
    response = await reverse(voucher, order_no, traceparent=TRACEPARENT)
    assert response.status_code == 200, response.text
    started = response.json()
    assert (started["status"], started["failure"]) == ("pending", None)
    assert await statuses(voucher, codes) == ["voided"] * 3
    assert await order_row(voucher, order_no) == ("reversing", "deducted")

    [request] = await voucher.refunds.wait(order_no)
    assert request["refund_id"].endswith("-refund")
    assert (request["user_id"], request["points"], request["source"]) == (ids("U"), 3000, "bubble")
    assert (request["reason"], request["requested_by"], request["attempt"]) == (
        REASON,
        "agent.li",
        1,
    )
    [(_, headers)] = voucher.refunds.of(order_no)
    assert TRACE_ID in headers["traceparent"]  # one trace, through the outbox and Kafka

    answer = await voucher.answer_refund(request, traceparent=headers["traceparent"])
    op = await voucher.wait_operation(started["operation_id"], "succeeded")
    assert (op["type"], op["merchant_order_no"], op["code"]) == ("reversal", order_no, None)
    assert await order_row(voucher, order_no) == ("reversed", "refunded")
    for code in codes:
        [record] = (await voucher.voucher(code))["operations"]
        assert (record["type"], record["result"], record["failure"]) == (
            "reversal",
            "succeeded",
            None,
        )
        assert record["reason"] == REASON and record["trace_id"] == TRACE_ID
    listed = (await voucher.http.get("/vouchers", params={"merchant_order_no": order_no})).json()
    assert {(i["order_status"], i["deduction_status"], i["status"]) for i in listed["items"]} == {
        ("reversed", "refunded", "voided")
    }
    assert all(i["actions"] == [] for i in listed["items"])

    # the same answer delivered twice, and once more under a new id: nothing moves
    again = await voucher.answer_refund(request, ce_id=answer)
    other = await voucher.answer_refund(request)
    await seen(voucher, answer, other)
    assert again == answer
    assert [await records(voucher, c) for c in codes] == [[("reversal", "succeeded", None)]] * 3
    events = await voucher.pool.fetch(
        "SELECT h.event FROM reversal_saga_history h JOIN reversal_sagas s USING (saga_id)"
        " WHERE s.merchant_order_no = $1 ORDER BY h.id",
        order_no,
    )
    assert [e["event"] for e in events] == ["started", "vouchers_voided", "refund_succeeded"]
    saga_id = await voucher.pool.fetchval(
        "SELECT saga_id FROM reversal_sagas WHERE merchant_order_no = $1", order_no
    )
    # the customer is told once, through the notify service, by the transaction that
    # recorded the success: the answer delivered again added no second request
    [told] = await inapp_requests(voucher, ids("U"))
    assert told == {
        "recipient": ids("U"),
        "recipient_kind": "user",
        "template_id": "points_refunded",
        "params": {"merchant_order_no": order_no, "points": 3000},
        "text": None,
        "title": None,
        "dedupe_key": f"reversal-{saga_id}-points-refunded",
        "requested_by": "voucher",
    }

    refused = await reverse(voucher, order_no)
    assert refused.status_code == 409 and refused.json()["code"] == "already_reversed"
    assert len(voucher.refunds.of(order_no)) == 1


async def test_an_answer_within_the_short_wait_is_the_final_answer(voucher: Voucher, ids) -> None:
    order_no, _ = await order(voucher, ids, "W0001")

    async def points_gateway() -> None:
        [request] = await voucher.refunds.wait(order_no)
        await voucher.answer_refund(request)

    with tuned(voucher, reversal_wait_seconds=10.0):
        answering = asyncio.create_task(points_gateway())
        response = await reverse(voucher, order_no)
        await answering
    assert response.json()["status"] == "succeeded"


async def test_a_reversal_failing_half_way_resumes_and_never_voids_twice(
    voucher: Voucher, ids
) -> None:
    order_no, codes = await order(voucher, ids, "A0001", "B9998", "C0003")
    first = (await reverse(voucher, order_no)).json()
    assert (first["status"], first["failure"]) == ("failed", "void_failed")
    assert await statuses(voucher, codes) == ["voided", "available", "available"]
    assert await attempts(voucher, codes) == [1, 1, 0]
    assert await order_row(voucher, order_no) == ("reversal_failed", "deducted")
    for code in codes:
        assert await records(voucher, code) == [("reversal", "failed", "void_failed")]
    assert voucher.refunds.of(order_no) == []

    # the seed: "若是作废失败,可以重新发起返销": starting it again resumes the same saga
    again = await reverse(
        voucher, order_no, "retry after the issuer failed", **{"X-Kefu-Actor": "lead.wang"}
    )
    assert again.json() == {**first, "status": "pending", "failure": None}
    assert await statuses(voucher, codes) == ["voided"] * 3
    assert await attempts(voucher, codes) == [1, 2, 1]
    [request] = await voucher.refunds.wait(order_no)
    assert (request["attempt"], request["requested_by"]) == (1, "lead.wang")
    await voucher.answer_refund(request)
    op = await voucher.wait_operation(first["operation_id"], "succeeded")
    assert (op["attempt"], op["operator"]) == (2, "lead.wang")
    ops = (await voucher.voucher(codes[0]))["operations"]
    assert [(r["result"], r["operator"]) for r in ops] == [
        ("failed", "agent.li"),
        ("succeeded", "lead.wang"),
    ]


async def test_a_refused_refund_fails_then_its_retry_succeeds(voucher: Voucher, ids) -> None:
    order_no, codes = await order(voucher, ids, "P0001", "P0002")
    started = (await reverse(voucher, order_no)).json()
    [first] = await voucher.refunds.wait(order_no)
    await voucher.answer_refund(first, "failed")
    op = await voucher.wait_operation(started["operation_id"], "failed")
    assert op["failure"] == "points_refund_failed"  # 作废成功泡泡退回失败
    assert await statuses(voucher, codes) == ["voided", "voided"]
    assert await order_row(voucher, order_no) == ("reversal_failed", "deducted")
    assert await records(voucher, codes[1]) == [("reversal", "failed", "points_refund_failed")]
    assert await inapp_requests(voucher, ids("U")) == []  # no points back: nothing to tell

    retry = await voucher.http.post(f"/operations/{started['operation_id']}/retry", json={})
    assert retry.json()["status"] == "pending"
    second = (await voucher.refunds.wait(order_no, 2))[1]
    assert second["refund_id"] == first["refund_id"] and second["attempt"] == 2
    assert await attempts(voucher, codes) == [1, 1]  # the vouchers are not voided again

    stale = await voucher.answer_refund(first, "failed")  # attempt 1's answer, late
    await seen(voucher, stale)
    assert (await voucher.operation(started["operation_id"]))["status"] == "pending"
    await voucher.answer_refund(second)
    await voucher.wait_operation(started["operation_id"], "succeeded")
    assert await order_row(voucher, order_no) == ("reversed", "refunded")
    assert await records(voucher, codes[0]) == [
        ("reversal", "failed", "points_refund_failed"),
        ("reversal", "succeeded", None),
    ]
    [told] = await inapp_requests(voucher, ids("U"))
    assert (told["template_id"], told["params"]["points"]) == ("points_refunded", 2000)


async def test_ineligible_orders_are_refused_and_nothing_changes(voucher: Voucher, ids) -> None:
    telecom, telecom_codes = await order(voucher, ids, "T0001", source="telecom_points")
    pending, pending_codes = await order(voucher, ids, "D0001", deduction_status="pending")
    used, used_codes = await order(voucher, ids, "E0001", "F0002")
    voided, voided_codes = await order(voucher, ids, "G0001", "H0002")
    await voucher.redeem(used_codes[1])

    async def redeemed() -> bool:
        return (await statuses(voucher, used_codes))[1] == "used"

    await eventually(redeemed)
    assert (
        await voucher.http.post(f"/vouchers/{voided_codes[0]}/void", json={"reason": "x"})
    ).json()["status"] == "succeeded"

    cases = [
        (telecom, REASON, 409, "source_not_reversible"),
        (pending, REASON, 409, "points_not_deducted"),
        (used, REASON, 409, "voucher_used"),
        (voided, REASON, 409, "not_available"),
        (telecom, "  ", 422, "reason_required"),
        (ids("NOSUCH"), REASON, 404, "order_not_found"),
    ]
    for order_no, reason, status, code in cases:
        response = await reverse(voucher, order_no, reason)
        assert (response.status_code, response.json()["code"]) == (status, code), order_no

    for order_no, order_codes, before in [
        (telecom, telecom_codes, ["available"]),
        (pending, pending_codes, ["available"]),
        (used, used_codes, ["available", "used"]),
        (voided, voided_codes, ["voided", "available"]),
    ]:
        assert await statuses(voucher, order_codes) == before
        assert (await order_row(voucher, order_no))[0] == "exchanged"
        assert not await voucher.pool.fetchval(
            "SELECT count(*) FROM reversal_sagas WHERE merchant_order_no = $1", order_no
        )
        # the saga is begun in the statement that reads the rules' facts; refused, undone
        assert not await voucher.pool.fetchval(
            "SELECT count(*) FROM operations WHERE merchant_order_no = $1 AND type = 'reversal'",
            order_no,
        )
    assert await records(voucher, used_codes[0]) == []


async def test_reversals_started_together_commit_together_and_fail_alone(
    voucher: Voucher, ids
) -> None:
    """Their steps share transactions (group commit), but each is its own command: one
    that breaks a rule is refused with nothing changed, the others go on, and one key
    sent twice at once starts one reversal."""
    eligible = [await order(voucher, ids, f"{letter}0001") for letter in "JKLM"]
    used, used_codes = await order(voucher, ids, "N0001", "P0002")
    await voucher.redeem(used_codes[1])

    async def redeemed() -> bool:
        return (await statuses(voucher, used_codes))[1] == "used"

    await eventually(redeemed)
    steps = voucher.app.state.deps.steps
    committed = steps.batches
    key = {"Idempotency-Key": ids("together-")}
    answers = await asyncio.gather(
        *(reverse(voucher, order_no) for order_no, _ in eligible[1:]),
        reverse(voucher, eligible[0][0], **key),
        reverse(voucher, eligible[0][0], **key),
        reverse(voucher, used),
        reverse(voucher, ids("NOSUCH")),
    )
    *fine, twice, again, refused, missing = answers
    assert [a.status_code for a in fine] == [200] * 3
    assert all(a.json()["status"] == "pending" for a in fine)
    assert twice.json() == again.json() and twice.json()["status"] == "pending"
    assert (refused.status_code, refused.json()["code"]) == (409, "voucher_used")
    assert (missing.status_code, missing.json()["code"]) == (404, "order_not_found")
    for order_no, codes in eligible:
        assert await statuses(voucher, codes) == ["voided"]
        assert await attempts(voucher, codes) == [1]
        assert len(await voucher.refunds.wait(order_no)) == 1
        assert (
            await voucher.pool.fetchval(
                "SELECT count(*) FROM operations WHERE merchant_order_no = $1", order_no
            )
            == 1
        )
    assert await statuses(voucher, used_codes) == ["available", "used"]
    assert (await order_row(voucher, used))[0] == "exchanged"
    # a start and a recorded void step for each of the four, and the two refused starts:
    # fewer transactions than steps
    assert steps.batches - committed < 4 * 2 + 2


async def test_a_pending_reversal_answers_with_itself_and_blocks_voids(
    voucher: Voucher, ids
) -> None:
    order_no, codes = await order(voucher, ids, "Q0001", "Q0002")
    key = {"Idempotency-Key": ids("rev-")}
    first = (await reverse(voucher, order_no, **key)).json()
    replay = (await reverse(voucher, order_no, **key)).json()
    without_key = (await reverse(voucher, order_no, "asked twice")).json()
    assert first == replay == without_key and first["status"] == "pending"
    blocked = await voucher.http.post(f"/vouchers/{codes[0]}/void", json={"reason": "x"})
    assert (blocked.status_code, blocked.json()["code"]) == (409, "not_available")

    [request] = await voucher.refunds.wait(order_no)
    await asyncio.sleep(0.2)
    assert len(voucher.refunds.of(order_no)) == 1
    assert await attempts(voucher, codes) == [1, 1]
    await voucher.answer_refund(request)
    await voucher.wait_operation(first["operation_id"], "succeeded")
    assert (await reverse(voucher, order_no, **key)).json()["status"] == "succeeded"


async def test_a_key_reused_for_another_order_is_refused_and_changes_nothing(
    voucher: Voucher, ids
) -> None:
    """The key is claimed in the statement that locks the order: a key that started one
    order's reversal, sent again for another order (or for none), is refused, 422
    ``idempotency_key_reused``, and the other order is left as it was."""
    order_no, _ = await order(voucher, ids, "R0001")
    other_no, other_codes = await order(voucher, ids, "T0001")
    key = {"Idempotency-Key": ids("reused-")}
    assert (await reverse(voucher, order_no, **key)).status_code == 200
    for target in (other_no, ids("NOSUCH")):
        again = await reverse(voucher, target, **key)
        assert (again.status_code, again.json()["code"]) == (422, "idempotency_key_reused")
    assert await statuses(voucher, other_codes) == ["available"]
    assert await order_row(voucher, other_no) == ("exchanged", "deducted")


async def test_an_unanswered_refund_request_is_sent_again(voucher: Voucher, ids) -> None:
    order_no, _ = await order(voucher, ids, "O0001")
    with tuned(voucher, points_request_timeout_seconds=0.4):
        started = (await reverse(voucher, order_no)).json()
        first, second = (await voucher.refunds.wait(order_no, 2))[:2]
    assert first["refund_id"] == second["refund_id"]
    assert (first["attempt"], second["attempt"]) == (1, 2)
    await voucher.answer_refund(second)
    await voucher.wait_operation(started["operation_id"], "succeeded")


async def test_a_void_step_cut_off_by_a_crash_is_resumed_by_the_timer(
    voucher: Voucher, ids
) -> None:
    order_no, codes = await order(voucher, ids, "Z0001", "Z0002")
    with tuned(voucher, sandbox_issuer_delay_ms=3000):
        command = asyncio.create_task(reverse(voucher, order_no))
        await asyncio.sleep(0.5)
        command.cancel()  # the process dies while the issuer is being called
        with contextlib.suppress(asyncio.CancelledError):
            await command
    saga = await voucher.pool.fetchrow(
        "SELECT state, operation_id FROM reversal_sagas WHERE merchant_order_no = $1", order_no
    )
    assert saga["state"] == "voiding"
    assert await statuses(voucher, codes) == ["available", "available"]
    blocked = await voucher.http.post(f"/vouchers/{codes[1]}/void", json={"reason": "x"})
    assert (blocked.status_code, blocked.json()["code"]) == (409, "operation_in_progress")
    # the driver's lease runs out (30 s in production; here we do not wait for it)
    await voucher.pool.execute(
        "UPDATE reversal_sagas SET due_at = now() WHERE merchant_order_no = $1", order_no
    )
    [request] = await voucher.refunds.wait(order_no)
    assert await statuses(voucher, codes) == ["voided", "voided"]
    assert await attempts(voucher, codes) == [1, 1]
    await voucher.answer_refund(request)
    await voucher.wait_operation(str(saga["operation_id"]), "succeeded")


async def test_answers_arriving_together_finish_each_saga_in_its_own_trace(
    voucher: Voucher, ids
) -> None:
    runtime = voucher.app.state.platform.runtime
    sub = runtime.subscriptions["voucher.points_result"]
    traces = [uuid.uuid4().hex for _ in range(2)]
    started, requests = [], []
    for prefix, trace_id in zip("XY", traces, strict=True):
        order_no, _ = await order(voucher, ids, f"{prefix}0001", f"{prefix}0002")
        traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
        started.append((await reverse(voucher, order_no, traceparent=traceparent)).json())
        [request] = await voucher.refunds.wait(order_no)
        requests.append((order_no, request, traceparent))
    answers = [
        consumed(
            POINTS_REVERSAL_RESULT.name,
            {
                "refund_id": request["refund_id"],
                "merchant_order_no": order_no,
                "user_id": request["user_id"],
                "points": request["points"],
                "status": "succeeded",
                "failure": None,
                "attempt": request["attempt"],
                "completed_at": "2019-01-02T09:00:00+08:00",
            },
            key=order_no,
            offset=10_000 + i,
            ce_id=f"{ids('answer')}-{i % 2}",  # the third is the first delivered again
            ce_type=POINTS_REVERSAL_RESULT.ce_type,
            traceparent=traceparent,
        )
        for i, (order_no, request, traceparent) in enumerate([*requests, requests[0]])
    ]
    await runtime.process(sub, answers)

    for op, (order_no, _, _), trace_id in zip(started, requests, traces, strict=True):
        assert (await voucher.operation(op["operation_id"]))["status"] == "succeeded"
        assert await order_row(voucher, order_no) == ("reversed", "refunded")
        items = (await voucher.http.get("/vouchers", params={"merchant_order_no": order_no})).json()
        for item in items["items"]:
            [record] = (await voucher.voucher(item["code"]))["operations"]
            assert (record["result"], record["trace_id"]) == ("succeeded", trace_id)
    told = await inapp_requests(voucher, ids("U"))  # both orders are this user's
    assert sorted(t["params"]["merchant_order_no"] for t in told) == sorted(r[0] for r in requests)


async def test_the_facts_read_with_the_vouchers_lock_are_the_facts_read_apart(
    voucher: Voucher, ids
) -> None:
    """A reversal's start reads the rules' facts in the statement that locks the vouchers:
    the same facts as the separate read, a pending void of one of them included."""
    order_no, codes = await order(voucher, ids, "A1", "B2", "C3")
    async with voucher.pool.acquire() as conn:
        rolled_back = conn.transaction()  # nothing of this test's rows stays
        await rolled_back.start()
        await conn.execute(
            "INSERT INTO operations (operation_id, type, merchant_order_no, code, status,"
            " reason, operator) VALUES ($1, 'void', $2, $3, 'pending', 'test', 'agent.li')",
            uuid.uuid4(),
            order_no,
            codes[1],
        )
        await conn.execute("UPDATE vouchers SET status = 'used' WHERE code = $1", codes[2])
        today = voucher.app.state.deps.today()
        locked = await vouchers.lock_order(conn, order_no)
        assert locked is not None
        found, held, facts = await vouchers.lock_saga_and_vouchers(conn, locked, today)
        assert found is None
        assert facts == await vouchers.facts_of_order(conn, order_no, today)
        assert facts.voiding == {codes[1]}
        assert [v.code for v in held] == sorted(codes)
        await rolled_back.rollback()


async def test_a_voucher_used_while_the_issuer_voids_it_fails_the_reversal_as_used(
    voucher: Voucher, ids
) -> None:
    """Redeemed at a store after the reversal read it and before the issuer's void was
    recorded: that voucher stays used (and is not recorded voided), the others it voided
    are, and the reversal fails as voucher_used with nothing asked of the points."""
    order_no, codes = await order(voucher, ids, "U0001", "U0002")
    with tuned(voucher, sandbox_issuer_delay_ms=1500):
        command = asyncio.create_task(reverse(voucher, order_no))
        await asyncio.sleep(0.3)
        await voucher.redeem(codes[1])

        async def used() -> bool:
            return (await statuses(voucher, codes))[1] == "used"

        await eventually(used)
        answer = (await command).json()
    assert (answer["status"], answer["failure"]) == ("failed", "voucher_used")
    assert await statuses(voucher, codes) == ["voided", "used"]
    assert await order_row(voucher, order_no) == ("reversal_failed", "deducted")
    assert voucher.refunds.of(order_no) == []
    assert [await records(voucher, c) for c in codes] == [
        [("reversal", "failed", "voucher_used")]
    ] * 2


async def test_a_saga_locked_for_its_step_holds_its_order_first_and_sees_the_newest_saga(
    voucher: Voucher, ids
) -> None:
    """A step locks the order and the saga in one statement: it must take the order first
    (as every writer of the order's vouchers does) and, having waited for the saga's lock,
    read the saga as its holder left it, not as it stood when the statement began."""
    order_no, _ = await order(voucher, ids, "L0001", points=100)
    assert (await reverse(voucher, order_no)).status_code == 200
    saga_id = await voucher.pool.fetchval(
        "SELECT saga_id FROM reversal_sagas WHERE merchant_order_no = $1", order_no
    )
    holder, stepper, other = [await voucher.pool.acquire() for _ in range(3)]
    try:
        holder_tx = holder.transaction()
        await holder_tx.start()
        before = await holder.fetchval(
            "UPDATE reversal_sagas SET refund_attempt = refund_attempt + 1 WHERE saga_id = $1"
            " RETURNING refund_attempt",
            saga_id,
        )
        async with stepper.transaction():
            step = asyncio.create_task(sagas.get(stepper, saga_id, lock=True))
            await waits_holding_the_order(step, other, order_no)  # on the saga's lock
            await holder_tx.commit()
            async with asyncio.timeout(10):
                found = await step
        assert found is not None and found.saga.refund_attempt == before
    finally:
        for conn in (holder, stepper, other):
            await voucher.pool.release(conn)
