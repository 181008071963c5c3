"""A service's answer reaches the agent as the bytes the service wrote (the gateway does
not decode and encode it again), on the direct search path and on a routed forward; an
error answer keeps its status and shape, a shed one its Retry-After, and an answer that
is not JSON is still the gateway's 502."""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import RAW_ANSWER, GatewayUnderTest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("path", ["/api/v1/vouchers?code=RAW1", "/api/v1/vouchers/RAW1"])
async def test_the_service_answer_reaches_the_agent_byte_for_byte(
    gateway: GatewayUnderTest, path: str
) -> None:
    answer = await gateway.http.get(path, headers=await gateway.as_user("agent"))
    assert answer.status_code == 200, answer.text
    assert answer.content == RAW_ANSWER.encode()
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-length"] == str(len(RAW_ANSWER))


async def test_a_shed_answer_is_passed_on_with_retry_after(gateway: GatewayUnderTest) -> None:
    answer = await gateway.http.get(
        "/api/v1/vouchers?code=RAW503", headers=await gateway.as_user("agent")
    )
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "1")
    assert answer.content == RAW_ANSWER.encode()


async def test_error_answers_keep_their_shape(gateway: GatewayUnderTest) -> None:
    headers = await gateway.as_user("agent")
    missing = await gateway.http.get("/api/v1/vouchers/MISSING1", headers=headers)
    not_json = await gateway.http.get("/api/v1/vouchers?code=TEXT1", headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"code": "voucher_not_found", "message": "no"}
    assert not_json.status_code == 502
    assert not_json.json()["code"] == "bad_service_answer"
