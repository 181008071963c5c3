"""Seed 002, 2.2: a seller's main account manages its own staff, review and processing
apart, and a reviewer or processor sees and acts on the tickets of the sellers they
serve only (issue 12, point 16)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.infra import Infra
from tests.integration.refund import aftersales_fixtures as fixtures
from tests.integration.refund.aftersales_fixtures import (
    AGENT,
    OPS,
    PROCESSOR,
    REVIEWER,
    SELLER,
    Refund,
    staff,
)
from tests.integration.refund.test_aftersales_tickets import (
    ADDRESS,
    active_seller,
    image,
    open_ticket,
)

pytestmark = pytest.mark.integration
# another seller's people: its main account, and a reviewer it takes on later
RIVAL = staff("rival.main", "aftersales_reviewer", "aftersales_processor")
NEWCOMER = staff("rev.new", "aftersales_reviewer")


@pytest.fixture(scope="module")
async def refund(infra: Infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Refund]:
    async with fixtures.module_refund(infra, tmp_path_factory, "aftersales-sellers") as running:
        yield running


async def rival_seller(refund: Refund, decision: str = "approve") -> str:
    seller = f"R{uuid.uuid4().hex[:8]}"
    body = {"seller_id": seller, "return_address": ADDRESS}
    await refund.ok("POST", "/aftersales/activations", RIVAL, 201, json=body)
    review = {"decision": decision, "reason": "退货地址缺少门牌号"}
    await refund.ok("POST", f"/aftersales/activations/{seller}/review", OPS, json=review)
    return seller


def path(seller: str, username: str = "") -> str:
    return f"/aftersales/sellers/{seller}/staff" + (f"/{username}" if username else "")


async def ticket_ids(refund: Refund, who: dict[str, str], **params: Any) -> list[int]:
    page = await refund.ok("GET", "/aftersales/tickets", who, params=params)
    return [t["id"] for t in page["items"]]


async def test_the_main_account_gives_its_staff_their_permissions(refund: Refund) -> None:
    seller = await active_seller(refund)
    listed = await refund.ok("GET", path(seller), SELLER)
    assert listed["main_account"] == "seller.main"
    assert [(s["username"], s["permissions"]) for s in listed["items"]] == [
        ("proc.chen", ["process"]),
        ("rev.li", ["review"]),
    ]
    assert (listed["total"], listed["has_more"]) == (2, False)
    # nobody else manages them: not the staff, not another seller, not the platform
    for who in (REVIEWER, RIVAL, OPS):
        await refund.refused(
            "PUT", path(seller, "rev.new"), who, 403, "not_main_account",
            json={"permissions": ["review"]},
        )  # fmt: skip
    await refund.refused("GET", path(seller), REVIEWER, 403, "not_main_account")
    assert (await refund.ok("GET", path(seller), OPS))["total"] == 2
    await refund.refused(
        "PUT", path(seller, "seller.main"), SELLER, 422, "invalid_staff", json={"permissions": []}
    )

    t = await open_ticket(refund, seller)
    review = f"/aftersales/tickets/{t['id']}/review"
    # a new employee has no permission until the main account gives one
    await refund.ok("PUT", path(seller, "rev.new"), SELLER, json={"permissions": []})
    await refund.refused(
        "POST", review, NEWCOMER, 404, "ticket_not_found", json={"outcome": "reject", "reason": "x"}
    )
    await refund.ok("PUT", path(seller, "rev.new"), SELLER, json={"permissions": ["review"]})
    done = await refund.ok("POST", review, NEWCOMER, json={"outcome": "approve_shipment"})
    assert done["reviewed_by"] == "rev.new"
    # processing is a permission of its own: the reviewer cannot receive the return
    receive = f"/aftersales/tickets/{t['id']}/receive"
    await refund.refused("POST", receive, NEWCOMER, 403, "permission_missing")
    # the main account has every permission (默认主账户有权限)
    assert (await refund.ok("POST", receive, SELLER))["status"] == "awaiting_processing"
    # taking a permission back takes effect at once
    await refund.ok("PUT", path(seller, "proc.chen"), SELLER, json={"permissions": []})
    process = f"/aftersales/tickets/{t['id']}/process"
    await refund.refused(
        "POST", process, PROCESSOR, 404, "ticket_not_found", json={"result": "refunded"}
    )


async def test_staff_see_and_act_on_their_sellers_tickets_only(refund: Refund) -> None:
    ours, theirs = await active_seller(refund), await rival_seller(refund)
    mine = await open_ticket(refund, ours, customer_id="U-both")
    other = await open_ticket(refund, theirs, customer_id="U-both")
    # customer service opens tickets for every seller, and reads them all
    assert await ticket_ids(refund, AGENT, customer_id="U-both") == [other["id"], mine["id"]]
    # a seller's reviewer, processor and main account read their seller's only
    for who in (REVIEWER, PROCESSOR, SELLER):
        assert await ticket_ids(refund, who, customer_id="U-both") == [mine["id"]]
        assert await ticket_ids(refund, who, seller_id=theirs) == []
        await refund.refused(
            "GET", f"/aftersales/tickets/{other['id']}", who, 404, "ticket_not_found"
        )
        await refund.refused(
            "GET", f"/aftersales/tickets/{other['id']}/images", who, 404, "ticket_not_found"
        )
    assert await ticket_ids(refund, RIVAL, customer_id="U-both") == [other["id"]]
    # nor act on them, nor add images to them, nor read their quality figures
    await refund.refused(
        "POST", f"/aftersales/tickets/{other['id']}/review", REVIEWER, 404, "ticket_not_found",
        json={"outcome": "approve_shipment"},
    )  # fmt: skip
    await refund.refused(
        "POST", f"/aftersales/tickets/{other['id']}/images", REVIEWER, 404, "ticket_not_found",
        json={"images": [image()]},
    )  # fmt: skip
    batch = await refund.ok(
        "POST",
        "/aftersales/tickets/review-batch",
        REVIEWER,
        json={"ticket_ids": [mine["id"], other["id"]], "outcome": "customer_gave_up"},
    )
    assert [(r["ticket_id"], r["ok"], r["code"]) for r in batch["results"]] == [
        (mine["id"], True, None),
        (other["id"], False, "ticket_not_found"),
    ]
    month = mine["created_at"][:7]
    quality = f"/aftersales/sellers/{theirs}/quality"
    await refund.refused("GET", quality, REVIEWER, 403, "not_seller_staff", params={"month": month})
    assert (await refund.ok("GET", quality, RIVAL, params={"month": month}))["opened"] == 1
    assert (await refund.ok("GET", f"/aftersales/tickets/{other['id']}", RIVAL))["status"] == (
        "awaiting_review"
    )


async def test_a_sellers_staff_read_their_own_sellers_applications_only(refund: Refund) -> None:
    ours, theirs = await active_seller(refund), await rival_seller(refund)
    for who, mine, other in ((REVIEWER, ours, theirs), (RIVAL, theirs, ours)):
        listed = await refund.ok("GET", "/aftersales/activations", who, params={"limit": 200})
        sellers = {a["seller_id"] for a in listed["items"]}
        assert mine in sellers and other not in sellers
        await refund.ok("GET", f"/aftersales/activations/{mine}", who)
        await refund.refused(
            "GET", f"/aftersales/activations/{other}", who, 404, "activation_not_found"
        )
    everyone = await refund.ok("GET", "/aftersales/activations", OPS, params={"limit": 200})
    assert {ours, theirs} <= {a["seller_id"] for a in everyone["items"]}


async def test_only_the_main_account_applies_again_after_a_rejection(refund: Refund) -> None:
    seller = await rival_seller(refund, "reject")
    detail = f"/aftersales/activations/{seller}"
    # the flag says what the application will accept: its main account, not the reviewer
    assert (await refund.ok("GET", detail, RIVAL))["can_apply_again"] is True
    assert (await refund.ok("GET", detail, OPS))["can_apply_again"] is False
    assert (await refund.ok("GET", detail, OPS))["can_review"] is False  # reviewed already
    again = {"seller_id": seller, "return_address": ADDRESS}
    await refund.refused(
        "POST", "/aftersales/activations", SELLER, 403, "not_main_account", json=again
    )
    applied = await refund.ok("POST", "/aftersales/activations", RIVAL, 201, json=again)
    assert applied["attempts"] == 2 and applied["can_apply_again"] is False  # pending now
    # pending again: offered for review to ops (the reviewing role), not to the seller's own
    assert applied["can_review"] is False
    assert (await refund.ok("GET", detail, OPS))["can_review"] is True


async def offered(refund: Refund, ticket_id: int, who: dict[str, str]) -> list[str]:
    detail = await refund.ok("GET", f"/aftersales/tickets/{ticket_id}", who)
    listed = await refund.ok(
        "GET", "/aftersales/tickets", who, params={"order_no": detail["order_no"]}
    )
    assert [t["actions"] for t in listed["items"]] == [detail["actions"]]  # list and detail
    actions: list[str] = detail["actions"]
    return actions


COMMANDS: dict[str, tuple[str, dict[str, Any]]] = {
    "review": ("review", {"outcome": "approve_shipment"}),
    "receive": ("receive", {}),
    "process": ("process", {"result": "refunded"}),
}


@pytest.mark.parametrize("action", ["review", "receive", "process"])
@pytest.mark.parametrize("stage", ["awaiting_review", "awaiting_receipt", "awaiting_processing"])
async def test_each_ticket_action_offered_is_accepted_and_each_not_offered_is_refused(
    refund: Refund, stage: str, action: str
) -> None:
    seller = await active_seller(refund)
    t = await open_ticket(refund, seller)
    path = f"/aftersales/tickets/{t['id']}"
    if stage != "awaiting_review":
        await refund.ok("POST", f"{path}/review", REVIEWER, json={"outcome": "approve_shipment"})
    if stage == "awaiting_processing":
        await refund.ok("POST", f"{path}/receive", PROCESSOR)
    assert await offered(refund, t["id"], AGENT) == []  # customer service opens, never acts
    suffix, body = COMMANDS[action]
    for who in (REVIEWER, PROCESSOR, SELLER):
        shown = action in await offered(refund, t["id"], who)
        answer = await refund.http.post(f"{path}/{suffix}", json=body or None, headers=who)
        assert (answer.status_code == 200) is shown, (who, answer.text)
        if shown:
            return  # the ticket moved on: the next person would see the next stage
        assert answer.status_code in (403, 409), answer.text
    refused = await refund.http.post(f"{path}/{suffix}", json=body or None, headers=AGENT)
    assert refused.status_code == 403


async def test_an_address_has_the_levels_the_national_list_has_on_its_path(refund: Refund) -> None:
    """东莞市 has no districts in GB/T 2260: its sellers apply with two levels; 深圳市 has
    districts, so an address there without one is refused and nothing is recorded."""
    dongguan = {**ADDRESS, "province": "广东省", "city": "东莞市", "district": ""}
    seller = f"D{uuid.uuid4().hex[:8]}"
    body = {"seller_id": seller, "return_address": dongguan}
    applied = await refund.ok("POST", "/aftersales/activations", RIVAL, 201, json=body)
    assert (applied["return_address"]["city"], applied["return_address"]["district"]) == (
        "东莞市",
        "",
    )
    shenzhen = {**ADDRESS, "province": "广东省", "city": "深圳市", "district": ""}
    refused = f"D{uuid.uuid4().hex[:8]}"
    body = {"seller_id": refused, "return_address": shenzhen}
    await refund.refused(
        "POST", "/aftersales/activations", RIVAL, 422, "invalid_return_address", json=body
    )
    await refund.refused(
        "GET", f"/aftersales/activations/{refused}", OPS, 404, "activation_not_found"
    )
