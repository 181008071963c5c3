"""Idempotency-Key on POSTs: one effect, the same answer replayed, misuse refused."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest

from services.gateway import store
from services.gateway.answers import Answer
from services.gateway.domain.idempotency import RequestInProgress
from services.gateway.idempotency import IdempotencyKeys
from shared.devstack.broker import free_port
from tests.integration.gateway.conftest import GatewayUnderTest, new_key

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "path",
    ["/api/v1/vouchers/K1/void", "/api/v1/orders/M1/reversal", "/api/v1/operations/op/retry"],
)
async def test_money_moving_commands_need_a_key(gateway: GatewayUnderTest, path: str) -> None:
    agent = await gateway.as_user("agent")
    before = len(gateway.voucher.seen)
    response = await gateway.http.post(path, json={"reason": "r"}, headers=agent)
    assert (response.status_code, response.json()["code"]) == (400, "idempotency_key_required")
    assert len(gateway.voucher.seen) == before


async def test_the_same_key_gives_the_same_answer_and_one_effect(gateway: GatewayUnderTest) -> None:
    agent = await gateway.as_user("agent")
    headers = {**agent, "Idempotency-Key": new_key()}
    first = await gateway.http.post(
        "/api/v1/vouchers/K2/void", json={"reason": "r"}, headers=headers
    )
    again = await gateway.http.post(
        "/api/v1/vouchers/K2/void", json={"reason": "r"}, headers=headers
    )
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert gateway.voucher.effects["vouchers/K2/void"] == 1
    assert gateway.voucher.last()["headers"]["idempotency-key"] == headers["Idempotency-Key"]

    other = await gateway.http.post(
        "/api/v1/vouchers/K2/void", json={"reason": "another"}, headers=headers
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    elsewhere = await gateway.http.post(
        "/api/v1/vouchers/K3/void", json={"reason": "r"}, headers=headers
    )
    assert elsewhere.json()["code"] == "idempotency_key_reused"

    # keys belong to their user: the lead's same key is a request of its own
    lead = {**await gateway.as_user("lead"), "Idempotency-Key": headers["Idempotency-Key"]}
    theirs = await gateway.http.post("/api/v1/vouchers/K2/void", json={"reason": "r"}, headers=lead)
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs.headers
    assert gateway.voucher.effects["vouchers/K2/void"] == 2


async def test_a_key_is_the_routes_own_and_a_refusal_names_nothing_of_the_first(
    gateway: GatewayUnderTest,
) -> None:
    headers = {**await gateway.as_user("agent"), "Idempotency-Key": new_key()}
    void = await gateway.http.post(
        "/api/v1/vouchers/K7/void", json={"reason": "工单 7"}, headers=headers
    )
    assert void.status_code == 200
    # the same key on another route is another key: the reversal runs, not a 422
    reversal = await gateway.http.post(
        "/api/v1/orders/M7/reversal", json={"reason": "r"}, headers=headers
    )
    assert reversal.status_code == 200 and "Idempotent-Replayed" not in reversal.headers
    assert gateway.voucher.effects["orders/M7/reversal"] == 1
    # on the same route with another request it is refused, naming nothing of the first
    reused = await gateway.http.post(
        "/api/v1/vouchers/K8/void", json={"reason": "r"}, headers=headers
    )
    assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
    for secret in ("K7", "工单", "agent", headers["Idempotency-Key"]):
        assert secret not in reused.json()["message"]


async def test_a_refusal_is_final_and_replayed_too(gateway: GatewayUnderTest) -> None:
    headers = {**await gateway.as_user("agent"), "Idempotency-Key": new_key()}
    answers = [
        await gateway.http.post(
            "/api/v1/vouchers/USED1/void", json={"reason": "r"}, headers=headers
        )
        for _ in range(2)
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(409, "not_available")] * 2
    assert answers[1].headers["Idempotent-Replayed"] == "true"
    assert len([s for s in gateway.voucher.seen if "USED1" in s["path"]]) == 1


async def test_a_key_in_flight_is_busy(gateway: GatewayUnderTest) -> None:
    headers = {**await gateway.as_user("agent"), "Idempotency-Key": new_key()}

    async def void() -> tuple[int, dict[str, object], bool]:
        r = await gateway.http.post(
            "/api/v1/vouchers/SLOW1/void", json={"reason": "r"}, headers=headers
        )
        return r.status_code, r.json(), "Idempotent-Replayed" in r.headers

    first = asyncio.create_task(void())
    async with asyncio.timeout(10):
        await gateway.voucher.held.wait()
    status, body, _ = await void()
    assert (status, body["code"]) == (409, "request_in_progress")
    gateway.voucher.gate.set()
    assert (await first)[0] == 200
    assert await void() == (200, (await first)[1], True)
    assert gateway.voucher.effects["vouchers/SLOW1/void"] == 1


async def test_a_5xx_frees_the_key_for_another_try(
    gateway: GatewayUnderTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {**await gateway.as_user("agent"), "Idempotency-Key": new_key()}

    async def void() -> tuple[int, str | None]:
        r = await gateway.http.post(
            "/api/v1/vouchers/BOOM1/void", json={"reason": "r"}, headers=headers
        )
        return r.status_code, r.headers.get("Idempotent-Replayed")

    assert await void() == (500, None)  # the service failed: passed on, not kept
    with monkeypatch.context() as m:
        m.setattr(gateway.settings, "voucher_port", free_port())
        r = await gateway.http.post(
            "/api/v1/vouchers/BOOM1/void", json={"reason": "r"}, headers=headers
        )
        assert (r.status_code, r.json()["code"]) == (503, "service_unavailable")
    assert await void() == (200, None)
    assert await void() == (200, "true")
    assert gateway.voucher.effects["vouchers/BOOM1/void"] == 1


async def test_admin_posts_are_idempotent_and_login_is_not_recorded(
    gateway: GatewayUnderTest,
) -> None:
    import uuid

    admin = {**await gateway.as_user("admin"), "Idempotency-Key": new_key()}
    user = {
        "username": f"idem.{uuid.uuid4().hex[:6]}",
        "password": "long enough pw",
        "roles": ["agent"],
    }
    first = await gateway.http.post("/api/v1/admin/users", json=user, headers=admin)
    again = await gateway.http.post("/api/v1/admin/users", json=user, headers=admin)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    pool = gateway.app.state.gateway.pool
    stored = await pool.fetchval(
        "SELECT body::text FROM idempotency_keys WHERE key = $1", admin["Idempotency-Key"]
    )
    assert "long enough pw" not in stored

    key = new_key()
    for _ in range(2):
        login = await gateway.http.post(
            "/api/v1/auth/login",
            json={"username": user["username"], "password": user["password"]},
            headers={"Idempotency-Key": key},
        )
        assert login.status_code == 200 and "Idempotent-Replayed" not in login.headers
    assert await pool.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = $1", key) == 0


async def test_a_dead_holders_key_is_free_within_a_lease_a_live_one_is_kept(
    gateway: GatewayUnderTest,
) -> None:
    state = gateway.app.state.gateway
    keys = IdempotencyKeys(state.pool, timedelta(seconds=1))
    ok = Answer(200, {"done": True})

    # a gateway that claimed a key and died: nobody renews its lease
    async with state.pool.acquire() as conn:
        await store.claim_new_key(
            conn,
            store.KeyRef("agent", "POST /p", "dead-holder"),
            "POST",
            "/p",
            "f",
            datetime.now(UTC) + timedelta(seconds=1),
        )
    started = time.monotonic()
    while True:
        try:
            answer = await keys.once(
                ref=store.KeyRef("agent", "POST /p", "dead-holder"),
                method="POST",
                path="/p",
                fingerprint="f",
                produce=lambda: _answer(ok),
            )
            break
        except RequestInProgress:
            assert time.monotonic() - started < 5, "the dead holder's key was never freed"
            await asyncio.sleep(0.1)
    assert answer.status == 200 and time.monotonic() - started < 2.5

    # a live holder working longer than a lease keeps the key: renewed while it works
    release = asyncio.Event()

    async def slow() -> Answer:
        await release.wait()
        return ok

    first = asyncio.create_task(
        keys.once(
            ref=store.KeyRef("agent", "POST /p", "live"),
            method="POST",
            path="/p",
            fingerprint="f",
            produce=slow,
        )
    )
    await asyncio.sleep(2.5)  # more than two leases
    with pytest.raises(RequestInProgress):
        await keys.once(
            ref=store.KeyRef("agent", "POST /p", "live"),
            method="POST",
            path="/p",
            fingerprint="f",
            produce=lambda: _answer(ok),
        )
    release.set()
    assert (await first).status == 200


async def _answer(answer: Answer) -> Answer:
    return answer
