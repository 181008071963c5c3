"""Feedback and insurance decisions (the user told in-app), the versioned guide, daily figures."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from shared.contracts import NOTIFY_INAPP_REQUESTED
from tests.integration.rental.conftest import AGENT, Rental, new_id

pytestmark = pytest.mark.integration

LEAD = {"X-Kefu-Actor": "lead.wang", "X-Kefu-Roles": "duty_lead"}


async def test_feedback_accept_tells_the_user_once(rental: Rental) -> None:
    user = await rental.register()
    feedback = await rental.feedback(user)
    await rental.wait_row("SELECT 1 FROM feedback WHERE feedback_id = $1", feedback)
    listed = await rental.get("/feedback", user_id=user, status="pending")
    assert [f["id"] for f in listed["items"]] == [feedback]

    accepted = await rental.post(f"/feedback/{feedback}/accept", {})
    assert accepted["status"] == "accepted" and accepted["decided_by"] == "agent.li"
    again = await rental.post(f"/feedback/{feedback}/reject", {"reason": "x"}, status=409)
    assert again["code"] == "already_decided"
    [message] = await rental.seen.wait(
        NOTIFY_INAPP_REQUESTED.name, lambda p: p["recipient"] == user
    )
    assert message["template_id"] == "feedback_accepted"
    assert message["params"] == {"feedback_id": feedback}
    assert message["dedupe_key"] == f"rental:feedback:{feedback}:decided"


async def test_rejection_needs_a_reason_and_the_user_reads_it(rental: Rental) -> None:
    user = await rental.register()
    trip = await rental.start_trip(user)
    application = await rental.insurance(user, trip)
    await rental.wait_row(
        "SELECT 1 FROM insurance_applications WHERE application_id = $1", application
    )
    path = f"/insurance-applications/{application}"
    refused = await rental.post(f"{path}/reject", {}, status=422)
    assert refused["code"] == "reason_required"
    assert (await rental.get(path))["status"] == "pending"

    rejected = await rental.post(f"{path}/reject", {"reason": "不在保险期内"})
    assert rejected["decision_reason"] == "不在保险期内" and rejected["claimed_cents"] == 20000
    [message] = await rental.seen.wait(
        NOTIFY_INAPP_REQUESTED.name, lambda p: p["recipient"] == user
    )
    assert message["template_id"] == "insurance_rejected"
    assert message["params"]["reason"] == "不在保险期内"
    missing = await rental.post("/feedback/nope/accept", {}, status=404)
    assert missing["code"] == "feedback_not_found"


async def test_the_guide_keeps_every_version(rental: Rental) -> None:
    missing = await rental.http.get("/guide/versions/999", headers=LEAD)
    assert missing.status_code == 404
    current = await rental.http.get("/guide", headers=LEAD)
    base = current.json()["version"] if current.status_code == 200 else None
    first = await rental.http.put(
        "/guide", json={"content": "押金99元。", "based_on": base}, headers=LEAD
    )
    assert first.status_code == 200, first.text
    v1 = first.json()["version"]
    second = await rental.http.put(
        "/guide",
        json={"content": "押金199元。", "based_on": v1, "note": "new deposit"},
        headers=LEAD,
    )
    assert second.json()["version"] == v1 + 1
    stale = await rental.http.put(
        "/guide", json={"content": "stale edit", "based_on": v1}, headers=LEAD
    )
    assert stale.status_code == 409 and stale.json()["code"] == "guide_version_conflict"
    assert (await rental.get("/guide"))["content"] == "押金199元。"
    assert (await rental.get(f"/guide/versions/{v1}"))["content"] == "押金99元。"
    versions = await rental.get("/guide/versions")
    assert [v["version"] for v in versions["items"]][:2] == [v1 + 1, v1]


async def test_the_guide_offers_edit_exactly_to_those_who_may_save(rental: Rental) -> None:
    """Agents read the guide; duty leads and ops supervisors edit it (seed 001: 切勿随意修改)."""
    ops = {"X-Kefu-Actor": "ops.zhao", "X-Kefu-Roles": "ops_supervisor"}
    current = await rental.http.get("/guide", headers=LEAD)
    base = current.json()["version"] if current.status_code == 200 else None
    saved = await rental.http.put(
        "/guide", json={"content": "还车请锁车。", "based_on": base}, headers=ops
    )
    assert saved.status_code == 200, saved.text
    for who, offered in ((LEAD, ["edit"]), (ops, ["edit"]), (AGENT, [])):
        assert (await rental.http.get("/guide", headers=who)).json()["actions"] == offered
    latest = saved.json()["version"]
    refused = await rental.http.put(
        "/guide", json={"content": "agent edit", "based_on": latest}, headers=AGENT
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "role_required")
    assert (await rental.get("/guide"))["version"] == latest


async def test_daily_statistics_count_per_local_day(rental: Rental) -> None:
    tz = rental.settings.tz
    day = (rental.clock.now - timedelta(days=400)).astimezone(tz).date()  # a quiet day of its own
    noon = datetime.combine(day, time(12), tz)
    user = await rental.register(at=noon)
    bike = new_id("b")
    trips = [
        await rental.start_trip(user, bike_id=bike, at=noon + timedelta(hours=h)) for h in (1, 2)
    ]
    late = noon + timedelta(hours=11, minutes=30)  # 23:30 local: still that day
    await rental.end_trip(user, trips[0], bike, at=noon + timedelta(hours=1, minutes=30))
    await rental.end_trip(user, trips[1], bike, at=late + timedelta(hours=1))  # next day
    # the ends may apply in either order (an end that beats its start is parked and retried)
    for trip in trips:
        await rental.wait_row("SELECT 1 FROM trips WHERE trip_id = $1 AND status = 'ended'", trip)
    stats = await rental.get(
        "/statistics/daily",
        **{"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()},
    )
    assert stats["time_zone"] == "Asia/Shanghai"
    assert [(d["rentals"], d["returns"], d["new_users"]) for d in stats["days"]] == [
        (2, 1, 1),
        (0, 1, 0),
    ]
    wrong = await rental.http.get(
        "/statistics/daily", params={"from": "2026-02-01", "to": "2026-01-01"}, headers=LEAD
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "invalid_query"


async def test_returns_are_final_returns_on_the_day_they_happen(rental: Rental) -> None:
    """A temporary return (no end point: the user keeps the bike) is not a return; the final
    return counts on its own day and leaves the temporary return's day as it was."""
    tz = rental.settings.tz
    day = (rental.clock.now - timedelta(days=380)).astimezone(tz).date()  # quiet days
    noon = datetime.combine(day, time(12), tz)
    span = {"from": day.isoformat(), "to": (day + timedelta(days=2)).isoformat()}
    user = await rental.register(at=noon - timedelta(days=10))
    bike = new_id("b")
    trip = await rental.start_trip(user, bike_id=bike, at=noon)
    await rental.end_trip(user, trip, bike, at=noon + timedelta(hours=2), at_point=False)
    await rental.wait_row(
        "SELECT 1 FROM trips WHERE trip_id = $1 AND status = 'temporarily_returned'", trip
    )
    held = await rental.get("/statistics/daily", **span)
    assert [(d["rentals"], d["returns"]) for d in held["days"]] == [(1, 0), (0, 0), (0, 0)]

    await rental.end_trip(user, trip, bike, at=noon + timedelta(days=2))
    await rental.wait_row("SELECT 1 FROM trips WHERE trip_id = $1 AND status = 'ended'", trip)
    returned = await rental.get("/statistics/daily", **span)
    assert [(d["rentals"], d["returns"]) for d in returned["days"]] == [(1, 0), (0, 0), (0, 1)]
    assert returned["total_returns"] == 1
