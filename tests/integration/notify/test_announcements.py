"""Announcements (前台公告栏): draft, edit only while not online, online and offline by hand
and by schedule, and the board the front page shows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.infra import eventually
from tests.integration.notify.conftest import ACTOR, Notify

pytestmark = pytest.mark.integration
OPS = {"X-Kefu-Actor": "ops.zhao", "X-Kefu-Roles": "ops_supervisor"}


async def create(notify: Notify, **fields: Any) -> dict[str, Any]:
    body = {
        "title": f"系统维护 {uuid.uuid4().hex[:6]}",
        "body": "今晚22:00至23:00暂停租车。",
        **fields,
    }
    response = await notify.http.post("/announcements", json=body, headers=OPS)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def board_ids(notify: Notify) -> list[int]:
    response = await notify.http.get("/announcements/board")  # public: no agent
    assert response.status_code == 200
    return [i["id"] for i in response.json()["items"]]


async def act(notify: Notify, announcement_id: int, action: str) -> Any:
    return await notify.http.post(f"/announcements/{announcement_id}/{action}", headers=OPS)


async def test_the_lifecycle_of_an_announcement(notify: Notify) -> None:
    a = await create(notify)
    assert a["status"] == "draft" and a["actions"] == ["edit", "publish", "schedule"]
    assert a["id"] not in await board_ids(notify)

    edited = await notify.http.put(
        f"/announcements/{a['id']}",
        json={"title": "车辆暂停使用", "body": "部分站点车辆暂停使用。"},
        headers=OPS,
    )
    assert edited.status_code == 200 and edited.json()["title"] == "车辆暂停使用"

    online = await act(notify, a["id"], "publish")
    assert online.status_code == 200 and online.json()["status"] == "online"
    assert online.json()["actions"] == ["withdraw", "schedule"]
    assert a["id"] in await board_ids(notify)

    refused = await notify.http.put(
        f"/announcements/{a['id']}", json={"title": "改", "body": "改"}, headers=OPS
    )
    assert refused.status_code == 409 and refused.json()["code"] == "announcement_online"
    twice = await act(notify, a["id"], "publish")
    assert twice.status_code == 409 and twice.json()["code"] == "announcement_online"

    offline = await act(notify, a["id"], "withdraw")
    assert offline.json()["status"] == "offline"
    assert a["id"] not in await board_ids(notify)
    again = await act(notify, a["id"], "withdraw")
    assert again.status_code == 409 and again.json()["code"] == "announcement_not_online"
    fixed = await notify.http.put(
        f"/announcements/{a['id']}", json={"title": "恢复通知", "body": "已恢复。"}, headers=OPS
    )
    assert fixed.status_code == 200

    detail = await notify.get(f"/announcements/{a['id']}")
    assert [(h["action"], h["actor"]) for h in detail["history"]] == [
        ("created", "ops.zhao"),
        ("edited", "ops.zhao"),
        ("published", "ops.zhao"),
        ("withdrawn", "ops.zhao"),
        ("edited", "ops.zhao"),
    ]
    listed = await notify.get("/announcements", status="offline")
    assert a["id"] in [i["id"] for i in listed["items"]]


async def test_bad_input_changes_nothing(notify: Notify) -> None:
    empty = await notify.http.post("/announcements", json={"title": " ", "body": "x"}, headers=OPS)
    assert empty.status_code == 422 and empty.json()["code"] == "invalid_announcement"
    now = datetime.now(UTC)
    backwards = await notify.http.post(
        "/announcements",
        json={
            "title": "t",
            "body": "b",
            "publish_at": (now + timedelta(hours=2)).isoformat(),
            "withdraw_at": (now + timedelta(hours=1)).isoformat(),
        },
        headers=OPS,
    )
    assert backwards.status_code == 422 and backwards.json()["code"] == "invalid_schedule"
    missing = await act(notify, 987654321, "publish")
    assert missing.status_code == 404 and missing.json()["code"] == "announcement_not_found"
    nobody = await notify.http.post("/announcements", json={"title": "t", "body": "b"})
    assert nobody.status_code == 400 and nobody.json()["code"] == "actor_required"


async def test_a_schedule_puts_it_online_and_takes_it_offline(notify: Notify) -> None:
    now = datetime.now(UTC)
    a = await create(
        notify,
        publish_at=(now + timedelta(seconds=0.5)).isoformat(),
        withdraw_at=(now + timedelta(seconds=2)).isoformat(),
    )
    assert a["id"] not in await board_ids(notify)

    async def shown() -> bool:
        return a["id"] in await board_ids(notify)

    await eventually(shown, within=5)

    async def gone() -> bool:
        return a["id"] not in await board_ids(notify)

    await eventually(gone, within=5)

    async def offline() -> dict[str, Any] | None:
        detail = await notify.get(f"/announcements/{a['id']}")
        return detail if detail["status"] == "offline" else None

    detail = await eventually(offline, within=5)
    assert detail["publish_at"] is None and detail["withdraw_at"] is None
    assert [(h["action"], h["actor"]) for h in detail["history"]] == [
        ("created", "ops.zhao"),
        ("published", "system:schedule"),
        ("withdrawn", "system:schedule"),
    ]


async def test_the_staff_list_needs_an_agent(notify: Notify) -> None:
    assert (await notify.http.get("/announcements")).status_code == 400
    assert (await notify.http.get("/announcements", headers=ACTOR)).status_code == 200


async def actions_for(notify: Notify, announcement_id: int, headers: dict[str, str]) -> list[str]:
    detail = await notify.http.get(f"/announcements/{announcement_id}", headers=headers)
    listed = await notify.http.get("/announcements", params={"limit": 200}, headers=headers)
    found = [i["actions"] for i in listed.json()["items"] if i["id"] == announcement_id]
    assert found == [detail.json()["actions"]]  # the list and the detail agree
    offered: list[str] = detail.json()["actions"]
    return offered


async def command(
    notify: Notify, announcement_id: int, action: str, headers: dict[str, str]
) -> Any:
    path = f"/announcements/{announcement_id}"
    if action == "edit":
        return await notify.http.put(path, json={"title": "改", "body": "改"}, headers=headers)
    if action == "schedule":
        later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        return await notify.http.post(
            f"{path}/schedule", json={"withdraw_at": later}, headers=headers
        )
    return await notify.http.post(f"{path}/{action}", headers=headers)


@pytest.mark.parametrize("action", ["edit", "publish", "withdraw", "schedule"])
@pytest.mark.parametrize("state", ["draft", "online", "offline"])
async def test_each_action_offered_is_accepted_and_each_not_offered_is_refused(
    notify: Notify, state: str, action: str
) -> None:
    a = await create(notify)
    if state in ("online", "offline"):
        assert (await act(notify, a["id"], "publish")).status_code == 200
    if state == "offline":
        assert (await act(notify, a["id"], "withdraw")).status_code == 200
    # an agent or duty lead reads the board's announcements but writes none of them
    assert await actions_for(notify, a["id"], ACTOR) == []
    as_lead = await command(notify, a["id"], action, ACTOR)
    assert (as_lead.status_code, as_lead.json()["code"]) == (403, "role_required")

    offered = action in await actions_for(notify, a["id"], OPS)
    answer = await command(notify, a["id"], action, OPS)
    assert (answer.status_code == 200) is offered, answer.text
    if not offered:
        assert answer.status_code == 409


async def test_a_repeated_key_publishes_once_and_another_command_under_it_is_refused(
    notify: Notify,
) -> None:
    """The same Idempotency-Key answers the publication again (no 409, no second entry in
    the history); the same key with another command answers 422 idempotency_key_reused."""
    key = str(uuid.uuid4())
    body = {"title": f"停运 {uuid.uuid4().hex[:6]}", "body": "明日停运。"}
    headers = {**OPS, "Idempotency-Key": key}
    first = await notify.http.post("/announcements", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = await notify.http.post("/announcements", json=body, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    other = await notify.http.post(
        "/announcements", json={**body, "body": "后天停运。"}, headers=headers
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    created = await notify.pool.fetchval(
        "SELECT count(*) FROM announcements WHERE title = $1", body["title"]
    )
    assert created == 1

    a = first.json()["id"]
    publish = f"/announcements/{a}/publish"
    keyed = {**OPS, "Idempotency-Key": str(uuid.uuid4())}
    online = await notify.http.post(publish, headers=keyed)
    assert online.status_code == 200 and online.json()["status"] == "online"
    repeated = await notify.http.post(publish, headers=keyed)
    assert (repeated.status_code, repeated.json()) == (200, online.json())
    unkeyed = await act(notify, a, "publish")  # without the key: a second publication, refused
    assert (unkeyed.status_code, unkeyed.json()["code"]) == (409, "announcement_online")
    history = await notify.pool.fetch(
        "SELECT action FROM announcement_history WHERE announcement_id = $1 ORDER BY id", a
    )
    assert [h["action"] for h in history] == ["created", "published"]
    elsewhere = await notify.http.post(f"/announcements/{a + 1}/publish", headers=keyed)
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "idempotency_key_reused")
