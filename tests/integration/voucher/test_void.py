"""Void one voucher through the sandbox issuer: success, the documented failures, retry,
refusals that change nothing, Idempotency-Key replays, and the operation records."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.voucher.adapters.issuer import void_attempts
from shared.admission import Admission
from shared.contracts import VOUCHER_ISSUED, VOUCHER_REDEEMED
from tests.infra import eventually
from tests.integration.voucher.conftest import ACTOR, Voucher, dead_letter, make_order, tuned

pytestmark = pytest.mark.integration

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{TRACE_ID}-b7ad6b7169203331-01"


async def issued(voucher: Voucher, ids, *codes: str, **order: Any) -> list[str]:
    """Issue one order with these codes made unique, keeping their endings ("N9999")."""
    full = [ids(c[0]) + c[1:] for c in codes]
    await voucher.issue(make_order(ids("M"), full, **order))
    await voucher.wait_issued(*full)
    return full


async def void(
    voucher: Voucher, code: str, reason: Any = "工单 2019-001: 用户要求作废", **headers: str
) -> Any:
    body = {} if reason is ... else {"reason": reason}
    return await voucher.http.post(f"/vouchers/{code}/void", json=body, headers=headers)


async def test_void_succeeds_and_is_recorded(voucher: Voucher, ids) -> None:
    (code,) = await issued(voucher, ids, "V0001")
    response = await void(voucher, code, traceparent=TRACEPARENT)
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["status"] == "succeeded" and outcome["failure"] is None

    detail = await voucher.voucher(code)
    assert detail["status"] == "voided" and detail["actions"] == []
    [record] = detail["operations"]
    assert record["operation_id"] == outcome["operation_id"]
    assert record["operator"] == ACTOR["X-Kefu-Actor"]
    assert (record["type"], record["result"], record["failure"]) == ("void", "succeeded", None)
    assert record["reason"] == "工单 2019-001: 用户要求作废"
    assert record["trace_id"] == TRACE_ID
    assert record["at"].endswith("+08:00")
    listed = (await voucher.http.get(f"/vouchers/{code}/operations")).json()
    assert listed == {"items": [record], "next_cursor": None, "has_more": False, "total": 1}

    op = await voucher.operation(outcome["operation_id"])
    assert (op["type"], op["status"], op["code"]) == ("void", "succeeded", code)
    assert [a["succeeded"] for a in await void_attempts(voucher.pool, code)] == [True]

    again = await void(voucher, code)
    assert again.status_code == 409 and again.json()["code"] == "not_available"


@pytest.mark.parametrize("reason", [..., None, "", "   "])
async def test_no_reason_no_void(voucher: Voucher, ids, reason) -> None:
    (code,) = await issued(voucher, ids, "R0001")
    response = await void(voucher, code, reason)
    assert response.status_code == 422 and response.json()["code"] == "reason_required"
    assert (await voucher.voucher(code))["status"] == "available"
    assert await voucher.pool.fetchval("SELECT count(*) FROM operations WHERE code = $1", code) == 0
    assert await void_attempts(voucher.pool, code) == []


async def test_refusals_change_nothing(voucher: Voucher, ids) -> None:
    used, expired = await issued(voucher, ids, "U0001", "U0002")
    await voucher.pool.execute(
        "UPDATE vouchers SET valid_to = '2019-01-01' WHERE code = $1", expired
    )
    await voucher.redeem(used)

    async def is_used() -> bool:
        return bool((await voucher.voucher(used))["status"] == "used")

    await eventually(is_used)
    answers = {c: await void(voucher, c) for c in (used, expired, ids("NOPE"))}
    assert [(r.status_code, r.json()["code"]) for r in answers.values()] == [
        (409, "voucher_used"),
        (409, "not_available"),
        (404, "voucher_not_found"),
    ]
    assert (
        await voucher.pool.fetchval(
            "SELECT count(*) FROM operations WHERE code = ANY($1::text[])", [used, expired]
        )
        == 0
    )
    no_actor = await voucher.http.post(
        f"/vouchers/{expired}/void", json={"reason": "x"}, headers={"X-Kefu-Actor": ""}
    )
    assert no_actor.status_code == 400 and no_actor.json()["code"] == "actor_required"


async def test_a_code_ending_9999_never_voids_and_each_try_is_recorded(
    voucher: Voucher, ids
) -> None:
    (code,) = await issued(voucher, ids, "N9999")
    first = (await void(voucher, code)).json()
    assert (first["status"], first["failure"]) == ("failed", "void_failed")
    retry = await voucher.http.post(f"/operations/{first['operation_id']}/retry", json={})
    assert retry.status_code == 200
    assert retry.json() == first  # same operation, failed again
    records = (await voucher.voucher(code))["operations"]
    assert [(r["result"], r["failure"]) for r in records] == [("failed", "void_failed")] * 2
    assert records[0]["operation_no"] < records[1]["operation_no"]
    assert (await voucher.voucher(code))["status"] == "available"
    assert [a["succeeded"] for a in await void_attempts(voucher.pool, code)] == [False, False]


async def test_a_code_ending_9998_fails_once_then_the_retry_voids_it(voucher: Voucher, ids) -> None:
    (code,) = await issued(voucher, ids, "F9998")
    first = (await void(voucher, code)).json()
    assert first["failure"] == "void_failed"
    assert (await voucher.voucher(code))["actions"] == ["void", "reverse"]  # may be tried again
    retry = await voucher.http.post(
        f"/operations/{first['operation_id']}/retry",
        json={"reason": "second try after the issuer timed out"},
        headers={"X-Kefu-Actor": "lead.wang"},
    )
    assert retry.json() == {
        "operation_id": first["operation_id"],
        "status": "succeeded",
        "failure": None,
    }
    records = (await voucher.voucher(code))["operations"]
    assert [(r["result"], r["operator"], r["reason"]) for r in records] == [
        ("failed", "agent.li", "工单 2019-001: 用户要求作废"),
        ("succeeded", "lead.wang", "second try after the issuer timed out"),
    ]
    assert (await voucher.voucher(code))["status"] == "voided"
    assert [a["succeeded"] for a in await void_attempts(voucher.pool, code)] == [False, True]
    done = await voucher.http.post(f"/operations/{first['operation_id']}/retry", json={})
    assert done.status_code == 409 and done.json()["code"] == "not_retryable"


async def test_idempotency_key_replays_the_same_operation_once(voucher: Voucher, ids) -> None:
    code, other = await issued(voucher, ids, "I0001", "I0002")
    key = {"Idempotency-Key": ids("key-")}
    first = await void(voucher, code, **key)
    second = await void(voucher, code, **key)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and first.json()["status"] == "succeeded"
    assert len(await void_attempts(voucher.pool, code)) == 1
    assert len((await voucher.voucher(code))["operations"]) == 1
    reused = await void(voucher, other, **key)
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"
    assert (await voucher.voucher(other))["status"] == "available"


async def test_a_key_with_another_reason_is_refused_and_changes_nothing(
    voucher: Voucher, ids
) -> None:
    (code,) = await issued(voucher, ids, "R0001")
    key = {"Idempotency-Key": ids("reason-")}
    first = await void(voucher, code, "工单 1: 用户要求作废", **key)
    assert first.status_code == 200 and first.json()["status"] == "succeeded"
    again = await void(voucher, code, "工单 1: 用户要求作废", **key)
    assert again.json() == first.json()
    other = await void(voucher, code, "工单 2: 另一张工单", **key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert "工单 1" not in other.json()["message"]
    assert len(await void_attempts(voucher.pool, code)) == 1
    assert [o["reason"] for o in (await voucher.voucher(code))["operations"]] == [
        "工单 1: 用户要求作废"
    ]


async def test_another_agents_key_is_another_key(voucher: Voucher, ids) -> None:
    mine, theirs, third = await issued(voucher, ids, "J0001", "J0002", "J0003")
    key = {"Idempotency-Key": ids("shared-")}
    first = await void(voucher, mine, **key)
    assert first.json()["status"] == "succeeded"
    wu = {"X-Kefu-Actor": "agent.wu", "X-Kefu-Roles": "agent", **key}
    # the same key from another agent never answers with the first agent's operation ...
    replayed = await void(voucher, mine, **wu)
    assert (replayed.status_code, replayed.json()["code"]) == (409, "not_available")
    # ... it is their own (a refused command keeps no claim): it voids their voucher
    other = await void(voucher, theirs, **wu)
    assert other.status_code == 200 and other.json()["operation_id"] != first.json()["operation_id"]
    # its owner reusing it elsewhere is refused, naming nothing of the first command
    reused = await void(voucher, third, **key)
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    assert mine not in reused.json()["message"] and "void:" not in reused.json()["message"]


async def test_a_flaky_issuer_retry_replays_by_key(voucher: Voucher, ids) -> None:
    (code,) = await issued(voucher, ids, "K9998")
    first = (await void(voucher, code)).json()
    key = {"Idempotency-Key": ids("retry-")}
    url = f"/operations/{first['operation_id']}/retry"
    one = await voucher.http.post(url, json={}, headers=key)
    two = await voucher.http.post(url, json={}, headers=key)
    assert one.json() == two.json() and one.json()["status"] == "succeeded"
    assert len(await void_attempts(voucher.pool, code)) == 2


async def test_an_unknown_operation_is_404(voucher: Voucher) -> None:
    for path in ("/operations/00000000-0000-0000-0000-000000000000", "/operations/nope"):
        response = await voucher.http.get(path)
        assert response.status_code == 404 and response.json()["code"] == "operation_not_found"
    retry = await voucher.http.post("/operations/nope/retry", json={})
    assert retry.status_code == 404


async def test_a_redemption_of_a_voided_voucher_is_kept_and_dead_lettered(
    voucher: Voucher, ids
) -> None:
    (code,) = await issued(voucher, ids, "X0001")
    assert (await void(voucher, code)).json()["status"] == "succeeded"
    ce_id = await voucher.redeem(code, store_id="S-404")
    headers = await dead_letter(voucher.settings, VOUCHER_REDEEMED.name, ce_id)
    assert headers["kefu_dlq_reason"] == "voided_voucher_redeemed"
    assert code in headers["kefu_dlq_error"]
    kept = await voucher.pool.fetchrow("SELECT * FROM redemption_conflicts WHERE ce_id = $1", ce_id)
    assert kept["code"] == code and kept["store_id"] == "S-404"
    assert (await voucher.voucher(code))["status"] == "voided"


async def test_an_order_reusing_a_voucher_code_is_dead_lettered(voucher: Voucher, ids) -> None:
    (code,) = await issued(voucher, ids, "T0001")
    ce_id = await voucher.issue(make_order(ids("MOTHER"), [code]))
    headers = await dead_letter(voucher.settings, VOUCHER_ISSUED.name, ce_id)
    assert headers["kefu_dlq_reason"] == "voucher_code_taken"
    assert not await voucher.pool.fetchval(
        "SELECT count(*) FROM orders WHERE merchant_order_no = $1", ids("MOTHER")
    )


async def test_commands_past_the_admission_bound_are_refused_busy_and_change_nothing(
    voucher: Voucher, ids
) -> None:
    first, second = await issued(voucher, ids, "V0001", "V0002")
    deps = voucher.app.state.deps
    bound, deps.admission = deps.admission, Admission("voucher commands", 1)

    async def admitted() -> bool:
        in_flight: int = deps.commands.in_flight
        return in_flight == 1

    try:
        with tuned(voucher, sandbox_issuer_delay_ms=300):  # hold the first void in the bound
            held = asyncio.create_task(void(voucher, first))
            await eventually(admitted, what="first void admitted")
            refused = await void(voucher, second)
            assert refused.status_code == 503
            assert refused.json()["code"] == "busy"
            assert refused.headers["Retry-After"] == "1"
            assert (await held).json()["status"] == "succeeded"
    finally:
        deps.admission = bound
    assert (await voucher.voucher(second))["status"] == "available"
    assert await void_attempts(voucher.pool, second) == []
    assert (await voucher.voucher(second))["operations"] == []
    # the refusal held nothing back: the same void goes through once there is room
    again = await void(voucher, second)
    assert again.status_code == 200 and again.json()["status"] == "succeeded"


async def test_a_command_past_the_bound_waits_its_turn_while_the_line_has_room(
    voucher: Voucher, ids
) -> None:
    first, second, third = await issued(voucher, ids, "Q0001", "Q0002", "Q0003")
    deps = voucher.app.state.deps
    bound, deps.admission = deps.admission, Admission("voucher commands", 1, queue=1)

    async def admitted() -> bool:
        in_flight: int = deps.commands.in_flight
        return in_flight == 1

    async def lined_up() -> bool:
        waiting: int = deps.commands.waiting
        return waiting == 1

    try:
        with tuned(voucher, sandbox_issuer_delay_ms=300):
            held = asyncio.create_task(void(voucher, first))
            await eventually(admitted, what="first admitted")
            waits = asyncio.create_task(void(voucher, second))
            await eventually(lined_up, what="second in line")
            refused = await void(voucher, third)  # the line is full
            assert (refused.status_code, refused.json()["code"]) == (503, "busy")
            assert (await held).json()["status"] == "succeeded"
            assert (await waits).json()["status"] == "succeeded"  # its turn came
    finally:
        deps.admission = bound
    assert [(await voucher.voucher(c))["status"] for c in (first, second, third)] == [
        "voided",
        "voided",
        "available",
    ]
