"""The order reversal command goes past FastAPI's routing and dependency solving
(shared/direct_routes.py) and answers exactly as the routed command did: the same status,
bytes, content type and Retry-After for every answer it can give."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from shared.admission import Admission
from tests.integration.voucher.conftest import Voucher
from tests.integration.voucher.test_reversal import REASON, order
from tests.serving import router_alone, router_refusing

pytestmark = pytest.mark.integration

JSON = {"content-type": "application/json"}
LEAD = {"X-Kefu-Actor": "lead.wang", "X-Kefu-Roles": "duty_lead"}
VIEWER = {"X-Kefu-Actor": "auditor.zhao", "X-Kefu-Roles": "auditor"}


def _reversal(order_no: str) -> str:
    return f"/orders/{order_no}/reversal"


async def _answer(
    voucher: Voucher, path: str, body: bytes | None, headers: dict[str, str], **client: Any
) -> tuple[int, bytes, str | None, str | None]:
    response = await voucher.http.post(path, content=body, headers=headers, **client)
    return (
        response.status_code,
        response.content,
        response.headers.get("content-type"),
        response.headers.get("retry-after"),
    )


@contextlib.contextmanager
def _directly(voucher: Voucher) -> Iterator[None]:
    """Every request answered past the router (the router would answer 599)."""
    with router_refusing(voucher.app) as asked:
        yield
    assert asked == []


@contextlib.contextmanager
def _busy(voucher: Voucher) -> Iterator[Admission]:
    deps = voucher.app.state.deps
    before, deps.admission = deps.admission, Admission("voucher commands", 1, 0)
    try:
        yield deps.admission
    finally:
        deps.admission = before


def _ids_masked(content: bytes) -> bytes:
    return re.sub(rb'"operation_id":"[0-9a-f-]{36}"', b'"operation_id":"-"', content)


async def test_the_reversal_answers_the_routers_bytes_without_the_router(
    voucher: Voucher, ids
) -> None:
    ours_no, _ = await order(voucher, ids, "RA0001", "RA0002")
    theirs_no, _ = await order(voucher, ids, "RB0001")
    telecom, _ = await order(voucher, ids, "RC0001", source="telecom_points")
    reason = f'{{"reason": "{REASON}"}}'.encode()
    key = {"Idempotency-Key": ids("K")}

    # the same request both ways; keys per way, so neither is the other's replay
    cases: list[tuple[str, str, bytes | None, dict[str, str]]] = [
        ("unknown order", _reversal(ids("NOSUCH")), reason, JSON),
        ("refused by a rule", _reversal(telecom), reason, JSON),
        ("no reason", _reversal(telecom), b"{}", JSON),
        ("no body", _reversal(telecom), None, {}),
        ("a reason of the wrong type", _reversal(telecom), b'{"reason": 5}', JSON),
        ("a body that is no object", _reversal(telecom), b"[1]", JSON),
        ("JSON that does not parse", _reversal(telecom), b'{"reason": ', JSON),
        ("bytes that are no UTF-8", _reversal(telecom), b'{"reason": "\xff"}', JSON),
        ("a body of another type", _reversal(telecom), reason, {"content-type": "text/plain"}),
        ("a body without a type", _reversal(telecom), reason, {}),
        ("JSON by a suffix", _reversal(telecom), reason, {"content-type": "application/x+json"}),
        ("an unknown filter", _reversal(telecom) + "?force=1", reason, JSON),
        ("no role to reverse", _reversal(telecom), reason, {**JSON, **VIEWER}),
        ("no acting agent", _reversal(telecom), reason, {**JSON, "X-Kefu-Actor": ""}),
        ("no agent, bad JSON", _reversal(telecom), b"{", {**JSON, "X-Kefu-Actor": ""}),
        ("an empty key", _reversal(telecom), reason, {**JSON, "Idempotency-Key": ""}),
        ("a key too long", _reversal(telecom), reason, {**JSON, "Idempotency-Key": "k" * 201}),
    ]

    async def each(way: str) -> list[tuple[int, bytes, str | None, str | None]]:
        answers = []
        for name, path, body, headers in cases:
            keyed = {"Idempotency-Key": f"{ids('E')}-{name}-{way}", **LEAD, **headers}
            answers.append(await _answer(voucher, path, body, keyed))
        # without the gateway's token: refused before any route
        answers.append(await _answer(voucher, _reversal(telecom), reason, JSON, auth=None))
        with _busy(voucher) as admission:
            async with admission.admit():  # the one command allowed is under way
                keyed = {**LEAD, **JSON, "Idempotency-Key": f"{ids('B')}-{way}"}
                answers.append(await _answer(voucher, _reversal(telecom), reason, keyed))
        return answers

    with _directly(voucher):
        ours = await each("direct")
        started = await _answer(voucher, _reversal(ours_no), reason, {**LEAD, **JSON, **key})
        replayed = await _answer(voucher, _reversal(ours_no), reason, {**LEAD, **JSON, **key})
    with router_alone(voucher.app):  # FastAPI's router, as before
        theirs = await each("routed")
        routed_start = await _answer(voucher, _reversal(theirs_no), reason, {**LEAD, **JSON})
        routed_replay = await _answer(voucher, _reversal(ours_no), reason, {**LEAD, **JSON, **key})

    names = [name for name, *_ in cases] + ["no gateway token", "busy"]
    expected = [404, 409, 422, 422, 422, 422, 422, 400, 422, 422, 409, 422, 403, 400, 422, 422]
    expected += [422, 401, 503]
    answered = [(name, answer[0]) for name, answer in zip(names, ours, strict=True)]
    assert answered == list(zip(names, expected, strict=True)), [a[1] for a in ours]
    for name, mine, router in zip(names, ours, theirs, strict=True):
        assert mine == router, name
    assert b'"code":' in ours[-1][1] and ours[-1][3] == "1"  # busy: when to come back

    assert started[0] == 200 and replayed == started
    assert routed_replay == started  # the key replays the same way through either path
    assert (routed_start[0], _ids_masked(routed_start[1]), routed_start[2]) == (
        started[0],
        _ids_masked(started[1]),
        started[2],
    )


async def test_a_method_or_path_the_command_does_not_take_goes_to_the_router(
    voucher: Voucher, ids
) -> None:
    with router_refusing(voucher.app) as asked:
        answers = [
            await voucher.http.get(_reversal(ids("M"))),
            await voucher.http.post(f"/orders/{ids('M')}/reversal/x", json={"reason": "x"}),
            await voucher.http.post(f"/orders/{ids('M')}/", json={"reason": "x"}),
        ]
    assert [a.status_code for a in answers] == [599, 599, 599]
    assert len(asked) == 3
    with router_alone(voucher.app):
        assert (await voucher.http.get(_reversal(ids("M")))).status_code == 405


def test_the_reversal_is_still_in_the_openapi_document(voucher: Voucher) -> None:
    document = voucher.app.openapi()
    assert "post" in document["paths"]["/orders/{merchant_order_no}/reversal"]
