"""Every notify list answers one page shape and refuses what it does not understand
(issue 12, points 5, 6 and 13)."""

from __future__ import annotations

import pytest

from tests.integration.notify.conftest import ACTOR, Notify

pytestmark = pytest.mark.integration

LISTS = ["/sms", "/sms/code-lookups", "/inbox/U-lists", "/announcements"]


@pytest.mark.parametrize("path", LISTS)
async def test_a_list_answers_items_a_cursor_and_whether_more_follow(
    notify: Notify, path: str
) -> None:
    page = await notify.get(path, limit=1)
    assert {"items", "next_cursor", "has_more", "total"} <= page.keys()
    assert page["has_more"] is (page["next_cursor"] is not None)


@pytest.mark.parametrize("path", LISTS)
async def test_a_garbage_cursor_is_refused_not_taken_for_an_empty_page(
    notify: Notify, path: str
) -> None:
    answer = await notify.http.get(path, params={"cursor": "garbage"}, headers=ACTOR)
    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_cursor")


@pytest.mark.parametrize("path", LISTS)
async def test_an_unknown_filter_is_refused_by_name(notify: Notify, path: str) -> None:
    answer = await notify.http.get(path, params={"order_no": "M1"}, headers=ACTOR)
    assert (answer.status_code, answer.json()["code"]) == (422, "unknown_filter")
    assert "order_no" in answer.json()["message"]
