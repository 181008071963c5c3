"""The agents' commands on users, feedback, insurance applications and the guide on the
shared key path: the same Idempotency-Key with the same command answers as the first did
and changes nothing (no second record, no second message); the same key with another
command is refused 422 idempotency_key_reused and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from shared.contracts import NOTIFY_INAPP_REQUESTED, RENTAL_USER_BLACKLISTED
from tests.integration.rental.conftest import AGENT, Rental

pytestmark = pytest.mark.integration
LEAD = {"X-Kefu-Actor": "lead.wang", "X-Kefu-Roles": "duty_lead"}
REUSED = (422, "idempotency_key_reused")
USER = "SELECT * FROM users WHERE user_id = $1"


async def keyed(
    rental: Rental, path: str, body: dict[str, Any], key: str, actor: dict[str, str] = AGENT
) -> tuple[int, Any]:
    response = await rental.http.post(path, json=body, headers={**actor, "Idempotency-Key": key})
    return response.status_code, response.json()


async def actions(rental: Rental, user: str) -> list[tuple[str, str]]:
    rows = await rental.pool.fetch(
        "SELECT action, reason FROM user_actions WHERE user_id = $1 ORDER BY id", user
    )
    return [(r["action"], r["reason"]) for r in rows]


async def outbox(rental: Rental, topic: str, field: str, value: str) -> int:
    count: int = await rental.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = $1"
        " AND convert_from(payload, 'UTF8')::jsonb ->> $2 = $3",
        topic,
        field,
        value,
    )
    return count


async def test_a_blacklisting_replays_and_refuses_another_reason(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    key, path = str(uuid.uuid4()), f"/users/{user}/blacklist"
    first = await keyed(rental, path, {"reason": "多次恶意停车"}, key)
    assert first[0] == 200, first
    again = await keyed(rental, path, {"reason": "多次恶意停车"}, key)
    assert again == first
    other = await keyed(rental, path, {"reason": "另一个原因"}, key)
    assert (other[0], other[1]["code"]) == REUSED
    assert await actions(rental, user) == [("blacklist", "多次恶意停车")]
    assert await outbox(rental, RENTAL_USER_BLACKLISTED.name, "user_id", user) == 1
    # the same key on another route is another key: the restore runs
    restored = await keyed(rental, f"/users/{user}/blacklist/restore", {"reason": "申诉"}, key)
    assert restored[0] == 200 and restored[1]["blacklisted_at"] is None


async def test_a_restore_and_a_soft_delete_replay(rental: Rental) -> None:
    user = await rental.register()
    await rental.wait_row(USER, user)
    await rental.post(f"/users/{user}/blacklist", {"reason": "恶意停车"}, actor=LEAD)
    key = str(uuid.uuid4())
    restore = f"/users/{user}/blacklist/restore"
    first = await keyed(rental, restore, {"reason": "申诉成功"}, key)
    assert first[0] == 200, first
    assert await keyed(rental, restore, {"reason": "申诉成功"}, key) == first
    delete_key = str(uuid.uuid4())
    deleted = await keyed(rental, f"/users/{user}/delete", {"reason": "注销"}, delete_key, LEAD)
    assert deleted[0] == 200, deleted
    again = await keyed(rental, f"/users/{user}/delete", {"reason": "注销"}, delete_key, LEAD)
    assert again == deleted
    refused = await keyed(rental, f"/users/{user}/delete", {"reason": "x"}, delete_key, LEAD)
    assert (refused[0], refused[1]["code"]) == REUSED
    assert [a for a, _ in await actions(rental, user)] == [
        "blacklist",
        "restore_from_blacklist",
        "delete",
    ]


async def test_a_refused_command_keeps_no_claim(rental: Rental) -> None:
    """Refused (no reason), the key stays free: the corrected command under it runs."""
    user = await rental.register()
    await rental.wait_row(USER, user)
    key, path = str(uuid.uuid4()), f"/users/{user}/blacklist"
    refused = await keyed(rental, path, {"reason": " "}, key)
    assert (refused[0], refused[1]["code"]) == (422, "reason_required")
    missing = await keyed(rental, "/users/nobody/blacklist", {"reason": "x"}, key)
    assert (missing[0], missing[1]["code"]) == (404, "user_not_found")
    taken = await keyed(rental, path, {"reason": "恶意停车"}, key)
    assert taken[0] == 200, taken


async def test_a_feedback_decision_replays_and_tells_the_user_once(rental: Rental) -> None:
    user = await rental.register()
    feedback = await rental.feedback(user)
    await rental.wait_row("SELECT 1 FROM feedback WHERE feedback_id = $1", feedback)
    key = str(uuid.uuid4())
    reject = f"/feedback/{feedback}/reject"
    first = await keyed(rental, reject, {"reason": "无法核实"}, key)
    assert first[0] == 200, first
    assert await keyed(rental, reject, {"reason": "无法核实"}, key) == first
    other = await keyed(rental, reject, {"reason": "另一个原因"}, key)
    assert (other[0], other[1]["code"]) == REUSED
    dedupe = f"rental:feedback:{feedback}:decided"
    assert await outbox(rental, NOTIFY_INAPP_REQUESTED.name, "dedupe_key", dedupe) == 1
    detail = await rental.get(f"/feedback/{feedback}")
    assert (detail["status"], detail["decision_reason"]) == ("rejected", "无法核实")


async def test_an_insurance_decision_replays(rental: Rental) -> None:
    user = await rental.register()
    trip = await rental.start_trip(user)
    application = await rental.insurance(user, trip)
    await rental.wait_row(
        "SELECT 1 FROM insurance_applications WHERE application_id = $1", application
    )
    key, accept = str(uuid.uuid4()), f"/insurance-applications/{application}/accept"
    first = await keyed(rental, accept, {}, key)
    assert first[0] == 200, first
    assert await keyed(rental, accept, {}, key) == first
    reject = await keyed(rental, accept, {"reason": "改主意"}, key)
    assert (reject[0], reject[1]["code"]) == REUSED


async def test_a_guide_save_replays_its_version(rental: Rental) -> None:
    current = await rental.http.get("/guide", headers=LEAD)
    base = current.json()["version"] if current.status_code == 200 else None
    key = str(uuid.uuid4())
    body = {"content": "押金299元。", "based_on": base, "note": "key test"}
    headers = {**LEAD, "Idempotency-Key": key}
    first = await rental.http.put("/guide", json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = await rental.http.put("/guide", json=body, headers=headers)
    assert (again.status_code, again.json()) == (200, first.json())
    other = await rental.http.put("/guide", json={**body, "content": "别的"}, headers=headers)
    assert (other.status_code, other.json()["code"]) == REUSED
    versions = await rental.get("/guide/versions")
    assert versions["items"][0]["version"] == first.json()["version"]
