"""The points gateway on the real broker and database: requests in on
points.reversal.requested.v1, answers out on points.reversal.result.v1, and a refund
applied exactly once however often it is asked for."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast

import asyncpg
import pytest

from services.points.adapters.provider import RefundOrder, RefundRefused, SandboxBubbleProvider
from services.points.domain.refunds import RefundRequest
from services.points.handlers.refunds import refund_points
from services.points.store.refunds import lock_refunds
from services.points.subscribers import subscriptions
from shared.contracts import POINTS_REVERSAL_REQUESTED, POINTS_REVERSAL_RESULT
from shared.messaging.consumer import ConsumerRuntime, Subscription
from shared.messaging.inbox import claim_many
from tests.infra import eventually
from tests.integration.points.conftest import PointsGateway, ids
from tests.kafka import consumed
from tests.statements import Recorded

pytestmark = pytest.mark.integration


async def test_a_refund_is_applied_once_however_often_it_is_requested(
    points: PointsGateway,
) -> None:
    refund_id, order, u = ids()
    user = f"U{u}"
    req: dict[str, Any] = {
        "refund_id": refund_id,
        "merchant_order_no": order,
        "user_id": user,
        "points": 2000,
    }
    first = await points.request_refund(**req)
    await points.request_refund(ce_id=first, **req)  # the same message, delivered again
    await points.request_refund(**req, attempt=2)  # asked again: no answer came in time
    await points.request_refund(**req, attempt=3)
    # One order's requests share a partition, so once attempt 3 is answered the copy
    # of the first (before it) has been seen: the inbox skipped it without an answer.
    answers = await points.results.wait(refund_id, 3)
    assert sorted(a["attempt"] for a in answers) == [1, 2, 3]
    assert {a["status"] for a in answers} == {"succeeded"}
    assert {(a["user_id"], a["points"], a["merchant_order_no"]) for a in answers} == {
        (user, 2000, order)
    }
    account = await points.points_of(user)
    assert account["balance"] == 2000
    assert [(m["refund_id"], m["points"], m["kind"]) for m in account["movements"]] == [
        (refund_id, 2000, "refund")
    ]
    await asyncio.sleep(0.3)
    assert len(points.results.of(refund_id)) == 3


async def test_failpts_users_are_refused_every_time(points: PointsGateway) -> None:
    refund_id, order, u = ids()
    user = f"FAILPTS{u}"
    req: dict[str, Any] = {
        "refund_id": refund_id,
        "merchant_order_no": order,
        "user_id": user,
        "points": 500,
    }
    await points.request_refund(**req)
    await points.results.wait(refund_id, 1)
    await points.request_refund(**req, attempt=2)  # the voucher service retries the refund
    answers = await points.results.wait(refund_id, 2)
    assert [a["status"] for a in answers] == ["failed", "failed"]
    assert all("FAILPTS" in a["failure"] for a in answers)
    assert (await points.points_of(user))["balance"] == 0
    pool: asyncpg.Pool = points.app.state.platform.pool
    row = await pool.fetchrow(
        "SELECT status, provider_calls, last_attempt FROM point_refunds WHERE refund_id = $1",
        refund_id,
    )
    assert dict(row) == {"status": "failed", "provider_calls": 2, "last_attempt": 2}


async def test_flakypts_users_are_refused_once_then_refunded_once(points: PointsGateway) -> None:
    refund_id, order, u = ids()
    user = f"FLAKYPTS{u}"
    req: dict[str, Any] = {
        "refund_id": refund_id,
        "merchant_order_no": order,
        "user_id": user,
        "points": 800,
    }
    await points.request_refund(**req)
    [first] = await points.results.wait(refund_id, 1)
    assert first["status"] == "failed" and "first attempt" in first["failure"]
    assert (await points.points_of(user))["balance"] == 0
    await points.request_refund(**req, attempt=2)
    await points.results.wait(refund_id, 2)
    await points.request_refund(**req, attempt=3)  # after success: answered, not re-applied
    answers = await points.results.wait(refund_id, 3)
    assert [(a["attempt"], a["status"], a["failure"]) for a in answers[1:]] == [
        (2, "succeeded", None),
        (3, "succeeded", None),
    ]
    assert (await points.points_of(user))["balance"] == 800
    pool: asyncpg.Pool = points.app.state.platform.pool
    asked = await pool.fetchval(
        "SELECT attempts FROM bubble_refund_attempts WHERE refund_id = $1", refund_id
    )
    assert asked == 2  # the third request never reached the provider


async def test_a_crash_after_the_provider_applied_does_not_refund_twice(
    points: PointsGateway,
) -> None:
    pool: asyncpg.Pool = points.app.state.platform.pool
    deps = points.app.state.deps
    provider = deps.provider
    refund_id, order, u = ids()
    request = RefundRequest(
        refund_id, order, f"U{u}", 300, "r", "agent", 1, requested_at=datetime.now(UTC)
    )

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with pool.acquire() as conn, conn.transaction():
            await refund_points(deps.within(conn), request, provider)
            raise Crash  # the process dies before its transaction commits
    assert (
        await pool.fetchval("SELECT count(*) FROM point_refunds WHERE refund_id = $1", refund_id)
        == 0
    )
    async with pool.acquire() as conn, conn.transaction():  # the request, redelivered
        refund = await refund_points(deps.within(conn), request, provider)
    assert refund.status == "succeeded"
    account = await points.points_of(f"U{u}")
    assert account["balance"] == 300 and len(account["movements"]) == 1


async def test_a_request_breaking_a_rule_goes_to_the_dlq_and_moves_nothing(
    points: PointsGateway,
) -> None:
    refund_id, order, u = ids()
    user = f"U{u}"
    req: dict[str, Any] = {
        "refund_id": refund_id,
        "merchant_order_no": order,
        "user_id": user,
        "points": 100,
    }
    await points.request_refund(**req)
    await points.results.wait(refund_id, 1)
    conflict = await points.request_refund(**{**req, "points": 100_000})
    negative = await points.request_refund(**{**req, "refund_id": f"{refund_id}-neg", "points": -5})
    dlq = await _read_dlq(points, {conflict, negative})
    assert dlq == {conflict: "refund_conflict", negative: "invalid_payload"}
    assert (await points.points_of(user))["balance"] == 100
    assert len(points.results.of(refund_id)) == 1


async def _read_dlq(points: PointsGateway, ce_ids: set[str]) -> dict[str, str]:
    async def all_there() -> dict[str, str] | None:
        found = {
            h["ce_id"]: h["kefu_dlq_reason"]
            for h in points.results.dead_letters()
            if h.get("ce_id") in ce_ids
        }
        return found if set(found) == ce_ids else None

    return await eventually(all_there, within=15, what=f"{ce_ids} dead-lettered")


async def test_balance_and_movements_newest_first(points: PointsGateway) -> None:
    _, _, u = ids()
    user = f"U{u}"
    for n, pts in enumerate((100, 250)):
        await points.request_refund(
            refund_id=f"R-{u}-{n}", merchant_order_no=f"M-{u}-{n}", user_id=user, points=pts
        )
        await points.results.wait(f"R-{u}-{n}", 1)
    account = await points.points_of(user)
    assert account["user_id"] == user and account["balance"] == 350
    assert [m["merchant_order_no"] for m in account["movements"]] == [f"M-{u}-1", f"M-{u}-0"]
    assert account["movements"][0]["at"] >= account["movements"][1]["at"]
    limited = await points.http.get(
        f"/users/{user}/points?limit=1", headers={"X-Kefu-Actor": "agent"}
    )
    assert len(limited.json()["movements"]) == 1 and limited.json()["balance"] == 350
    assert (await points.points_of(f"nobody-{u}")) == {
        "user_id": f"nobody-{u}",
        "balance": 0,
        "movements": [],
    }
    anonymous = await points.http.get(f"/users/{user}/points")
    assert (anonymous.status_code, anonymous.json()["code"]) == (400, "actor_required")


async def test_health(points: PointsGateway) -> None:
    response = await points.http.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["service"] == "points"


async def test_the_sandbox_ledger(points: PointsGateway) -> None:
    pool: asyncpg.Pool = points.app.state.platform.pool
    provider: SandboxBubbleProvider = points.app.state.deps.provider
    refund_id, order, u = ids()
    refund = RefundOrder(refund_id, f"U{u}", 300, order)
    receipts = await asyncio.gather(*(provider.refund(refund) for _ in range(5)))
    assert sum(r.applied_now for r in receipts) == 1  # concurrent calls, one refund
    assert {r.balance_after for r in receipts} == {300}
    with pytest.raises(RefundRefused, match="another refund"):
        await provider.refund(RefundOrder(refund_id, f"U{u}", 999, order))
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("UPDATE bubble_movements SET points = 1 WHERE refund_id = $1", refund_id)
    slow = SandboxBubbleProvider(pool, delay_ms=200, fail_all=True)
    started = asyncio.get_running_loop().time()
    with pytest.raises(RefundRefused, match="every refund"):
        await slow.refund(RefundOrder(f"{refund_id}-2", f"U{u}", 1, order))
    assert asyncio.get_running_loop().time() - started >= 0.2
    account = await provider.account(f"U{u}", 10)
    assert account.balance == 300 and len(account.movements) == 1
    assert json.dumps([m.kind for m in account.movements]) == '["refund"]'


async def test_the_provider_call_commits_unflushed_and_only_itself(points: PointsGateway) -> None:
    """The sandbox provider stands for an outside system: its call commits without waiting
    for its WAL flush, which the gateway's own commit of the refund, after it, carries
    (shared/db/sandbox.py). The setting is the call's transaction's alone."""
    pool: asyncpg.Pool = points.app.state.platform.pool
    refund_id, order, u = ids()
    async with pool.acquire() as conn:
        provider = SandboxBubbleProvider(cast(asyncpg.Pool, conn))
        async with conn.transaction():  # the call's own transaction, looked into before it ends
            receipt = await provider.refund(RefundOrder(refund_id, f"U{u}", 120, order))
            assert receipt.applied_now
            assert await conn.fetchval("SHOW synchronous_commit") == "off"
        assert await conn.fetchval("SHOW synchronous_commit") == "on"
    assert (await SandboxBubbleProvider(pool).account(f"U{u}", 10)).balance == 120


async def test_a_settled_refund_is_written_only_to_the_index_it_is_read_by(
    points: PointsGateway,
) -> None:
    """point_refunds is read by refund id alone: each refund settled adds an entry to its
    primary key and to no other index."""
    pool: asyncpg.Pool = points.app.state.platform.pool
    names = await pool.fetch(
        "SELECT indexrelid::regclass::text AS name FROM pg_index"
        " WHERE indrelid = 'point_refunds'::regclass ORDER BY 1"
    )
    assert [r["name"] for r in names] == ["point_refunds_pkey"]


async def test_requests_arriving_together_are_applied_in_one_batch_each_in_its_own_trace(
    points: PointsGateway,
) -> None:
    runtime = points.app.state.platform.runtime
    sub = runtime.subscriptions["points.reversal_requested"]
    (ok, ok_order, u1), (refused, refused_order, u2) = ids(), ids()
    traces = [uuid.uuid4().hex for _ in range(3)]
    requests = [
        (ok, ok_order, f"U{u1}", traces[0]),
        (refused, refused_order, f"FAILPTS{u2}", traces[1]),
        (ok, ok_order, f"U{u1}", traces[2]),  # the same refund asked again in the batch
    ]
    records = [
        consumed(
            POINTS_REVERSAL_REQUESTED.name,
            {
                "refund_id": refund_id,
                "merchant_order_no": order,
                "user_id": user,
                "points": 700,
                "source": "bubble",
                "reason": "customer asked",
                "requested_by": "agent",
                "attempt": attempt,
            },
            key=order,
            offset=10_000 + attempt,
            ce_type=POINTS_REVERSAL_REQUESTED.ce_type,
            traceparent=f"00-{trace_id}-b7ad6b7169203331-01",
        )
        for attempt, (refund_id, order, user, trace_id) in enumerate(requests, 1)
    ]
    await runtime.process(sub, records)

    answers = await points.results.wait(ok, 2)
    assert [a["status"] for a in answers] == ["succeeded", "succeeded"]
    [refusal] = await points.results.wait(refused, 1)
    assert refusal["status"] == "failed"
    assert (await points.points_of(f"U{u1}"))["balance"] == 700  # once, though asked twice
    assert (await points.points_of(f"FAILPTS{u2}"))["balance"] == 0
    sent_in = {
        headers["traceparent"].split("-")[1]
        for answer, headers in points.results.watcher.where(POINTS_REVERSAL_RESULT.name)
        if answer["refund_id"] in (ok, refused)
    }
    assert sent_in == set(traces)  # each answer in its request's trace, not the batch's


async def test_a_refused_request_does_not_make_the_provider_asked_again_for_its_batch_mates(
    points: PointsGateway,
) -> None:
    pool: asyncpg.Pool = points.app.state.platform.pool
    done_id, done_order, u = ids()
    await points.request_refund(
        refund_id=done_id, merchant_order_no=done_order, user_id=f"U{u}", points=100
    )
    await points.results.wait(done_id, 1)
    fresh = [ids() for _ in range(5)]
    # together: five new refunds and one breaking a rule (another amount for a refund id)
    for refund_id, order, user in fresh[:3]:
        await points.request_refund(
            refund_id=refund_id, merchant_order_no=order, user_id=f"U{user}", points=10
        )
    conflict = await points.request_refund(
        refund_id=done_id, merchant_order_no=done_order, user_id=f"U{u}", points=100_000
    )
    for refund_id, order, user in fresh[3:]:
        await points.request_refund(
            refund_id=refund_id, merchant_order_no=order, user_id=f"U{user}", points=10
        )
    assert await _read_dlq(points, {conflict}) == {conflict: "refund_conflict"}
    for refund_id, _, _ in fresh:
        await points.results.wait(refund_id, 1)
    asked = await pool.fetch(
        "SELECT refund_id, attempts FROM bubble_refund_attempts WHERE refund_id = ANY($1)",
        [refund_id for refund_id, _, _ in fresh],
    )
    assert {r["refund_id"]: r["attempts"] for r in asked} == {f[0]: 1 for f in fresh}


class _Asked:
    """The provider, counting the calls per refund id; ``away``: a refund id whose call
    fails with no answer (the provider unreachable)."""

    def __init__(self, provider: Any, away: str = "") -> None:
        self.provider, self.away, self.calls = provider, away, Counter[str]()

    async def refund(self, order: RefundOrder) -> Any:
        self.calls[order.refund_id] += 1
        if order.refund_id == self.away:
            # a socket's error: the provider away, not our database
            raise ConnectionRefusedError("the points provider did not answer")
        return await self.provider.refund(order)

    async def account(self, user_id: str, limit: int) -> Any:
        return await self.provider.account(user_id, limit)


def _batch_runtime(
    points: PointsGateway, provider: _Asked
) -> tuple[ConsumerRuntime, Recorded, Subscription[Any]]:
    """The points subscription in a runtime of its own whose statements are recorded, under
    a consumer name of its own (the service's parked retries leave its messages alone)."""
    deps = replace(points.app.state.deps, provider=provider)
    recorded = Recorded(deps.pool)
    runtime = ConsumerRuntime("points", recorded, points.producer, points.settings)
    [sub] = subscriptions(deps)
    sub = replace(sub, name=f"points.batch-test-{uuid.uuid4().hex[:8]}")
    runtime.add(sub)
    return runtime, recorded, sub


def _requests(*asked: tuple[str, str, str, int] | tuple[str, str, str, int, int]) -> list[Any]:
    """Refund requests as Kafka hands them over: (refund id, order, user, points[, attempt])."""
    return [
        consumed(
            POINTS_REVERSAL_REQUESTED.name,
            {
                "refund_id": refund_id,
                "merchant_order_no": order,
                "user_id": user,
                "points": pts,
                "source": "bubble",
                "reason": "customer asked",
                "requested_by": "agent",
                "attempt": attempt[0] if attempt else 1,
            },
            key=order,
            offset=20_000 + i,
            ce_type=POINTS_REVERSAL_REQUESTED.ce_type,
        )
        for i, (refund_id, order, user, pts, *attempt) in enumerate(asked)
    ]


async def test_a_batch_of_requests_is_a_few_statements_in_all_and_one_provider_call_each(
    points: PointsGateway,
) -> None:
    provider = _Asked(points.app.state.deps.provider)
    runtime, recorded, sub = _batch_runtime(points, provider)
    fresh = [ids() for _ in range(4)]
    records = _requests(*((r, o, f"U{u}", 10) for r, o, u in fresh))
    await runtime.process(sub, [*records, records[0]])  # the first one delivered twice
    for refund_id, _, _ in fresh:
        [answer] = await points.results.wait(refund_id, 1)
        assert answer["status"] == "succeeded"
    assert provider.calls == {refund_id: 1 for refund_id, _, _ in fresh}
    assert recorded.savepoints() == 0
    # begin, the refunds locked with the inbox claim, the refunds read, written with their
    # answers queued, commit (the provider's calls are the outside world's, on its own
    # connection): no statement a request
    assert len(recorded.statements) == 5, recorded.statements


async def test_a_request_alone_is_as_few_statements_as_a_batch(points: PointsGateway) -> None:
    """Below saturation most batches hold one request: it takes the batch's path, its refund
    id locked in the inbox claim's statement, not in a round trip of its own."""
    provider = _Asked(points.app.state.deps.provider)
    runtime, recorded, sub = _batch_runtime(points, provider)
    refund_id, order, user = ids()
    await runtime.process(sub, _requests((refund_id, order, f"U{user}", 10)))
    [answer] = await points.results.wait(refund_id, 1)
    assert answer["status"] == "succeeded" and provider.calls == {refund_id: 1}
    assert len(recorded.statements) == 5, recorded.statements
    assert "pg_advisory_xact_lock" in recorded.statements[1], recorded.statements


async def test_the_inbox_claims_lock_serialises_with_a_request_applied_alone(
    points: PointsGateway,
) -> None:
    """A batch locks its refund ids in its inbox claim; a request applied alone (a parked
    retry) locks them itself: the same lock, so one waits for the other."""
    pool = points.app.state.deps.pool
    refund_id = ids()[0]
    async with pool.acquire() as batch, batch.transaction():
        await claim_many(batch, f"lock-test-{refund_id}", [str(uuid.uuid4())], [refund_id])
        async with pool.acquire() as alone:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.5), alone.transaction():
                    await lock_refunds(alone, [refund_id])


async def test_a_batch_answers_each_request_in_order_once_its_refund_is_written(
    points: PointsGateway,
) -> None:
    (a, a_order, ua), (no, no_order, un), (away, away_order, uw) = (ids() for _ in range(3))
    provider = _Asked(points.app.state.deps.provider, away=away)
    runtime, recorded, sub = _batch_runtime(points, provider)
    records = _requests(
        (a, a_order, f"U{ua}", 10, 1),
        (no, no_order, f"FAILPTS{un}", 10, 1),  # refused: an answer, "failed"
        (a, a_order, f"U{ua}", 10, 2),  # asked again: answered again, not applied again
        (a, a_order, f"U{ua}", 999, 3),  # another amount for the refund: raises, no answer
        (away, away_order, f"U{uw}", 10, 1),  # the provider does not answer: parked, none
        (a, a_order, f"U{ua}", 10, 4),
    )
    await runtime.process(sub, records)
    answers = await points.results.wait(a, 3)
    pool: asyncpg.Pool = points.app.state.platform.pool
    row = await pool.fetchrow(
        "SELECT status, completed_at FROM point_refunds WHERE refund_id = $1", a
    )
    completed_at = datetime.fromisoformat(answers[0]["completed_at"])
    assert (row["status"], row["completed_at"]) == ("succeeded", completed_at)
    # in the requests' order (one order's answers share a partition), each as its request's
    # refund stood: the one the batch's write committed
    assert answers == [
        {
            "refund_id": a,
            "merchant_order_no": a_order,
            "user_id": f"U{ua}",
            "points": 10,
            "status": "succeeded",
            "failure": None,
            "attempt": attempt,
            "completed_at": answers[0]["completed_at"],
        }
        for attempt in (1, 2, 4)
    ]
    [refusal] = await points.results.wait(no, 1)
    assert (refusal["status"], refusal["attempt"]) == ("failed", 1)
    assert "FAILPTS" in refusal["failure"]
    assert await _read_dlq(points, {records[3].ce_id}) == {records[3].ce_id: "refund_conflict"}
    await asyncio.sleep(0.3)
    assert len(points.results.of(a)) == 3 and points.results.of(away) == []
    assert provider.calls == {a: 1, no: 1, away: 1}
    # five answers, two refunds written: in one statement with the batch's refunds
    queued = [s for s in recorded.statements if "INTO outbox" in s]
    assert len(queued) == 1 and "INTO point_refunds" in queued[0], recorded.statements


async def test_a_request_failing_in_a_batch_is_settled_alone_and_its_mates_asked_once(
    points: PointsGateway,
) -> None:
    done_id, done_order, u = ids()
    await points.request_refund(
        refund_id=done_id, merchant_order_no=done_order, user_id=f"U{u}", points=100
    )
    await points.results.wait(done_id, 1)
    (a, a_order, ua), (away, away_order, uw), (b, b_order, ub), (no, no_order, un) = (
        ids() for _ in range(4)
    )
    provider = _Asked(points.app.state.deps.provider, away=away)
    runtime, recorded, sub = _batch_runtime(points, provider)
    records = _requests(
        (a, a_order, f"U{ua}", 10),
        (away, away_order, f"U{uw}", 10),  # the provider does not answer
        (done_id, done_order, f"U{u}", 999),  # another amount for a refund id: a conflict
        (b, b_order, f"U{ub}", 10),
        (no, no_order, f"FAILPTS{un}", 10),  # refused: an answer, not a failure
    )
    await runtime.process(sub, records)
    assert [x["status"] for x in await points.results.wait(a, 1)] == ["succeeded"]
    assert [x["status"] for x in await points.results.wait(b, 1)] == ["succeeded"]
    assert [x["status"] for x in await points.results.wait(no, 1)] == ["failed"]
    assert await _read_dlq(points, {records[2].ce_id}) == {records[2].ce_id: "refund_conflict"}
    pool: asyncpg.Pool = points.app.state.platform.pool
    parked = await pool.fetch("SELECT ce_id FROM parked_messages WHERE consumer = $1", sub.name)
    assert [r["ce_id"] for r in parked] == [records[1].ce_id]
    seen = await pool.fetch("SELECT ce_id FROM inbox WHERE consumer = $1", sub.name)
    assert {r["ce_id"] for r in seen} == {records[i].ce_id for i in (0, 3, 4)}
    assert provider.calls == {a: 1, away: 1, b: 1, no: 1}  # never again for a batch-mate
    assert recorded.savepoints() == 0
    assert points.results.of(away) == [] and len(points.results.of(done_id)) == 1


async def test_a_settled_refund_has_one_of_the_two_statuses(points: PointsGateway) -> None:
    """The status is a domain (migration 0005), not a table CHECK constraint: the same two
    values allowed, any other refused, and a failed refund still needs its failure."""
    pool: asyncpg.Pool = points.app.state.platform.pool
    insert = (
        "INSERT INTO point_refunds (refund_id, merchant_order_no, user_id, points, status,"
        " failure, provider_calls, last_attempt, reason, requested_by, requested_at,"
        " completed_at) VALUES ($1, 'M', 'U', 1, $2, $3, 1, 1, 'r', 'agent', now(), now())"
    )
    async with pool.acquire() as conn:
        outer = conn.transaction()
        await outer.start()
        try:
            refund_id, _, _ = ids()
            await conn.execute(insert, f"{refund_id}-s", "succeeded", None)
            await conn.execute(insert, f"{refund_id}-f", "failed", "refused")
            for status, failure in (("bogus", None), ("FAILED", "x"), ("failed", None)):
                with pytest.raises(asyncpg.CheckViolationError):
                    async with conn.transaction():
                        await conn.execute(insert, f"{refund_id}-{status}", status, failure)
            kind = await conn.fetchval(
                "SELECT t.typtype::text FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
                " WHERE a.attrelid = 'point_refunds'::regclass AND a.attname = 'status'"
            )
            assert kind == "d"
        finally:
            await outer.rollback()
