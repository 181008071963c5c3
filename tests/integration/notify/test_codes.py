"""Verification codes through the internal API and the real SMS path: generated here,
stored hashed, sent by SMS, checked, expiring, few attempts; and the agent's recorded
look-up of the latest code for a user who did not receive it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from services.notify.domain.templates import SECRET_MASK
from shared.contracts import NOTIFY_SMS_FAILED, NOTIFY_SMS_REQUESTED
from shared.masking import mask_phone
from shared.sealing import code_sms
from tests.integration.notify.conftest import ACTOR, Notify, key, phone

pytestmark = pytest.mark.integration
AGENT = {"X-Kefu-Actor": "agent.li", "X-Kefu-Roles": "agent"}


async def send_code(notify: Notify, to: str, **extra: Any) -> dict[str, Any]:
    response = await notify.http.post(
        "/verification-codes", json={"phone": to, **extra}, headers=AGENT
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def check(notify: Notify, to: str, code: str, purpose: str = "login") -> dict[str, Any]:
    response = await notify.http.post(
        "/verification-codes/check",
        json={"phone": to, "code": code, "purpose": purpose},
        headers=AGENT,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sent_code(notify: Notify, issued: dict[str, Any]) -> str:
    """The code as the user's phone received it (the sandbox provider's ledger)."""
    row = await notify.wait_status(issued["sms_dedupe_key"], "sent")
    ledger = await notify.ledger(row["phone"])
    text: str = next(r["text"] for r in ledger if r["message_id"] == f"kefu-sms-{row['id']}")
    return text.removeprefix("您的验证码是")[:6]


async def test_a_code_is_sent_stored_hashed_and_checked_once(notify: Notify) -> None:
    to = phone()
    issued = await send_code(notify, to)
    assert issued["phone"] == mask_phone(to) and "code" not in issued
    code = await sent_code(notify, issued)
    assert code.isdigit() and len(code) == 6
    stored = await notify.pool.fetchrow(
        "SELECT * FROM verification_codes WHERE id = $1::uuid", issued["id"]
    )
    assert code.encode() not in bytes(stored["code_hash"])
    assert code not in str(dict(stored))
    wrong = "000000" if code != "000000" else "111111"
    assert await check(notify, to, wrong) == {
        "valid": False,
        "reason": "mismatch",
        "attempts_left": 4,
    }
    assert (await check(notify, to, code, purpose="top_up"))["reason"] == "no_code"
    assert await check(notify, to, code) == {"valid": True, "reason": None, "attempts_left": 4}
    assert (await check(notify, to, code))["reason"] == "used"


async def test_a_code_expires(notify: Notify) -> None:
    to = phone()
    issued = await send_code(notify, to)
    code = await sent_code(notify, issued)
    await notify.pool.execute(
        "UPDATE verification_codes SET expires_at = now() - interval '1 second'"
        " WHERE id = $1::uuid",
        issued["id"],
    )
    assert (await check(notify, to, code))["reason"] == "expired"


async def test_attempts_are_limited(notify: Notify) -> None:
    to = phone()
    issued = await send_code(notify, to, purpose="top_up")
    code = await sent_code(notify, issued)
    wrong = "000000" if code != "000000" else "111111"
    answers = [await check(notify, to, wrong, "top_up") for _ in range(5)]
    assert [a["attempts_left"] for a in answers] == [4, 3, 2, 1, 0]
    assert answers[-1]["reason"] == "attempts_exhausted"
    assert await check(notify, to, code, "top_up") == {
        "valid": False,
        "reason": "attempts_exhausted",
        "attempts_left": 0,
    }


async def test_resend_waits_and_the_same_idempotency_key_answers_the_same(notify: Notify) -> None:
    to = phone()
    headers = {**AGENT, "Idempotency-Key": f"code-{to}"}
    first = await notify.http.post("/verification-codes", json={"phone": to}, headers=headers)
    again = await notify.http.post("/verification-codes", json={"phone": to}, headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json() == first.json()
    soon = await notify.http.post("/verification-codes", json={"phone": to}, headers=AGENT)
    assert soon.status_code == 429 and soon.json()["code"] == "code_requested_too_soon"
    bad = await notify.http.post("/verification-codes", json={"phone": "12ab"}, headers=AGENT)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_phone"
    assert (
        await notify.pool.fetchval("SELECT count(*) FROM verification_codes WHERE phone = $1", to)
        == 1
    )


async def test_a_key_sent_again_for_another_phone_is_refused_and_sends_nothing(
    notify: Notify,
) -> None:
    first_phone, other_phone = phone(), phone()
    headers = {**AGENT, "Idempotency-Key": f"code-{first_phone}"}
    first = await notify.http.post(
        "/verification-codes", json={"phone": first_phone}, headers=headers
    )
    assert first.status_code == 201
    other = await notify.http.post(
        "/verification-codes", json={"phone": other_phone}, headers=headers
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert first_phone[-4:] not in other.json()["message"]
    purpose = await notify.http.post(
        "/verification-codes",
        json={"phone": first_phone, "purpose": "top_up"},
        headers=headers,
    )
    assert (purpose.status_code, purpose.json()["code"]) == (422, "idempotency_key_reused")
    issued = await notify.pool.fetch(
        "SELECT phone FROM verification_codes WHERE phone = ANY($1::text[])",
        [first_phone, other_phone],
    )
    assert [r["phone"] for r in issued] == [first_phone]
    sms = await notify.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = $1 AND key = ANY($2::text[])",
        NOTIFY_SMS_REQUESTED.name,
        [first_phone, other_phone],
    )
    assert sms == 1


async def test_another_agents_idempotency_key_never_answers_with_their_code(
    notify: Notify,
) -> None:
    mine, theirs = phone(), phone()
    key = {"Idempotency-Key": f"code-{mine}"}
    first = await notify.http.post("/verification-codes", json={"phone": mine}, headers=AGENT | key)
    other = {"X-Kefu-Actor": "agent.other", "X-Kefu-Roles": "agent", **key}
    second = await notify.http.post("/verification-codes", json={"phone": theirs}, headers=other)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] != first.json()["id"]
    assert second.json()["phone"] == f"{theirs[:3]}****{theirs[-4:]}"


async def test_a_new_code_retires_the_older(notify: Notify) -> None:
    to = phone()
    first = await send_code(notify, to)
    old = await sent_code(notify, first)
    await notify.pool.execute(  # as if the resend interval had passed
        "UPDATE verification_codes SET issued_at = issued_at - interval '2 minutes'"
        " WHERE id = $1::uuid",
        first["id"],
    )
    second = await send_code(notify, to)
    new = await sent_code(notify, second)
    if old != new:
        assert (await check(notify, to, old))["reason"] == "mismatch"
    assert (await check(notify, to, new))["valid"] is True


async def test_the_latest_code_look_up_shows_it_and_is_recorded(notify: Notify) -> None:
    to = phone()
    issued = await send_code(notify, to)
    code = await sent_code(notify, issued)
    log = await notify.get("/sms", phone=to)
    [item] = log["items"]
    assert item["template_id"] == "verification_code" and item["phone"] == mask_phone(to)
    assert code not in item["text"] and SECRET_MASK in item["text"]

    found = await notify.get("/sms/latest-code", phone=to)
    assert found["code"] == code and found["status"] == "sent"
    assert found["code_state"] == "active" and found["phone"] == mask_phone(to)
    assert found["looked_up_by"] == ACTOR["X-Kefu-Actor"]

    nobody = phone()
    missing = await notify.http.get("/sms/latest-code", params={"phone": nobody}, headers=ACTOR)
    assert missing.status_code == 404 and missing.json()["code"] == "no_code_sent"
    anonymous = await notify.http.get("/sms/latest-code", params={"phone": to})
    assert anonymous.status_code == 400

    lookups = await notify.get("/sms/code-lookups", phone=to)
    assert [(i["actor"], i["found"], i["sms_id"]) for i in lookups["items"]] == [
        ("lead.wang", True, item["id"])
    ]
    assert (await notify.get("/sms/code-lookups", phone=nobody))["items"][0]["found"] is False


async def test_a_code_travels_only_sealed_on_the_topic_and_in_the_outbox(notify: Notify) -> None:
    to = phone()
    issued = await send_code(notify, to)
    code = await sent_code(notify, issued)  # the phone got it: notify opened the box
    dedupe = issued["sms_dedupe_key"]
    [(request, _)] = await notify.seen.wait(NOTIFY_SMS_REQUESTED.name, dedupe)
    assert code not in json.dumps(request) and request["params"] == {"minutes": 5}
    assert request["sealed_params"]
    [row] = await notify.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = $1"
        " AND convert_from(payload, 'UTF8')::jsonb ->> 'dedupe_key' = $2",
        NOTIFY_SMS_REQUESTED.name,
        dedupe,
    )
    assert code.encode() not in bytes(row["payload"])


async def test_a_code_sent_in_clear_is_refused_and_never_reaches_a_phone(notify: Notify) -> None:
    to, dedupe = phone(), key("clear-code")
    await notify.sms(
        to, dedupe, template_id="verification_code", params={"code": "482913", "minutes": 5}
    )
    [(_, headers)] = await notify.seen.wait(NOTIFY_SMS_REQUESTED.dlq, dedupe)
    assert headers["kefu_dlq_reason"] == "secret_param_in_clear"
    assert "482913" not in headers["kefu_dlq_error"]
    [(failed, _)] = await notify.seen.wait(NOTIFY_SMS_FAILED.name, dedupe)
    assert failed["reason"] == "secret_param_in_clear"
    assert await notify.ledger(to) == []


async def test_a_code_sealed_to_another_key_is_refused(notify: Notify) -> None:
    to, dedupe = phone(), key("wrong-key")
    stranger = X25519PrivateKey.generate().public_key()
    request = code_sms(
        phone=to, code="482913", minutes=5, dedupe_key=dedupe, requested_by="tests", to=stranger
    )
    await notify.request(NOTIFY_SMS_REQUESTED.name, request.model_dump(mode="json"), key=to)
    [(_, headers)] = await notify.seen.wait(NOTIFY_SMS_REQUESTED.dlq, dedupe)
    assert headers["kefu_dlq_reason"] == "sealed_params_unreadable"
    assert await notify.ledger(to) == []
