"""The gateway's door: sign-in first, then input; bad input a 4xx with a code, never a 5xx.

Before: a NUL in the sign-in name was a plain-text 500, a bad Idempotency-Key without a
token got 422 before 401, and NULs or huge integers reached the services (502).
"""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import GatewayUnderTest

pytestmark = pytest.mark.integration


async def test_a_nul_in_the_sign_in_name_is_refused_with_a_code(gateway: GatewayUnderTest) -> None:
    response = await gateway.http.post(
        "/api/v1/auth/login", json={"username": "ag\u0000ent", "password": "whatever"}
    )
    assert (response.status_code, response.json()["code"]) == (422, "nul_character")


async def test_without_a_token_a_bad_idempotency_key_is_401_not_422(
    gateway: GatewayUnderTest,
) -> None:
    response = await gateway.http.post(
        "/api/v1/vouchers/C1/void", json={"reason": "r"}, headers={"Idempotency-Key": "x" * 300}
    )
    assert (response.status_code, response.json()["code"]) == (401, "unauthorized")
    agent = await gateway.as_user("agent")
    signed_in = await gateway.http.post(
        "/api/v1/vouchers/C1/void",
        json={"reason": "r"},
        headers={**agent, "Idempotency-Key": "x" * 300},
    )
    assert (signed_in.status_code, signed_in.json()["code"]) == (422, "invalid_idempotency_key")


async def test_bad_input_never_reaches_a_service(gateway: GatewayUnderTest) -> None:
    lead = await gateway.as_user("lead")
    before = len(gateway.voucher.seen)
    nul_query = await gateway.http.get("/api/v1/vouchers?phone=138%0000", headers=lead)
    assert (nul_query.status_code, nul_query.json()["code"]) == (422, "nul_character")
    nul_path = await gateway.http.get("/api/v1/vouchers/C%001", headers=lead)
    assert (nul_path.status_code, nul_path.json()["code"]) == (422, "nul_character")
    huge = await gateway.http.post(
        "/api/v1/vouchers/C1/void",
        json={"reason": "r", "n": 2**64},
        headers={**lead, "Idempotency-Key": "k-huge"},
    )
    assert (huge.status_code, huge.json()["code"]) == (422, "integer_out_of_range")
    assert len(gateway.voucher.seen) == before


async def test_an_unsupported_method_is_405(gateway: GatewayUnderTest) -> None:
    lead = await gateway.as_user("lead")
    for method, path in (("PUT", "/api/v1/vouchers"), ("DELETE", "/api/v1/auth/login")):
        response = await gateway.http.request(method, path, headers=lead)
        assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed"), (
            method,
            path,
        )
