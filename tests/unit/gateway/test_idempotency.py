"""Idempotency keys: the request fingerprint and what a repeat gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.gateway.domain.idempotency import (
    RETENTION,
    IdempotencyKeyReused,
    KeyRecord,
    RequestInProgress,
    Verdict,
    fingerprint,
    is_final,
    verdict,
)
from shared import errors

NOW = datetime(2019, 1, 5, 10, 0, tzinfo=UTC)
VOID = ("POST", "/api/v1/vouchers/C1/void")


def fp(body: object, query: list[tuple[str, str]] | None = None) -> str:
    return fingerprint(*VOID, query or [], body)


def test_the_fingerprint_ignores_key_order_and_spacing() -> None:
    assert fp({"reason": "r", "x": [1, 2]}) == fp({"x": [1, 2], "reason": "r"})


def test_the_fingerprint_tells_requests_apart() -> None:
    base = fp({"reason": "r"})
    assert base != fp({"reason": "r2"})
    assert base != fingerprint("POST", "/api/v1/vouchers/C2/void", [], {"reason": "r"})
    assert base != fingerprint("PUT", VOID[1], [], {"reason": "r"})
    assert base != fp({"reason": "r"}, [("a", "1")])
    assert fp(None) != fp({})


def test_the_fingerprint_sorts_query_pairs() -> None:
    assert fp(None, [("a", "1"), ("b", "2")]) == fp(None, [("b", "2"), ("a", "1")])


def test_passwords_are_left_out_of_the_fingerprint() -> None:
    one = fp({"username": "u", "password": "secret-one", "roles": ["agent"]})
    two = fp({"username": "u", "password": "secret-two", "roles": ["agent"]})
    assert one == two
    assert one != fp({"username": "v", "password": "secret-one", "roles": ["agent"]})


def record(**kw: object) -> KeyRecord:
    base: dict[str, object] = {
        "fingerprint": fp({"reason": "r"}),
        "status": 200,
        "body": {"ok": True},
        "lease_until": None,
        "created_at": NOW - timedelta(minutes=1),
    }
    base.update(kw)
    return KeyRecord(**base)  # type: ignore[arg-type]


def test_a_new_key_proceeds() -> None:
    assert verdict(None, fp({"reason": "r"}), NOW) is Verdict.PROCEED


def test_a_finished_key_replays_for_the_same_request() -> None:
    assert verdict(record(), fp({"reason": "r"}), NOW) is Verdict.REPLAY


def test_a_key_reused_for_another_request_is_refused() -> None:
    with pytest.raises(IdempotencyKeyReused) as caught:
        verdict(record(), fp({"reason": "other"}), NOW)
    assert (caught.value.status, caught.value.code) == (422, "idempotency_key_reused")
    # one refusal, the gateway's and every service's (shared.idempotency): the same
    # class and words, whichever of them notices the key came back with another request
    assert isinstance(caught.value, errors.IdempotencyKeyReused)
    assert caught.value.message == errors.IdempotencyKeyReused().message


def test_a_key_in_flight_is_busy_until_its_lease_ends() -> None:
    busy = record(status=None, body=None, lease_until=NOW + timedelta(seconds=5))
    with pytest.raises(RequestInProgress) as caught:
        verdict(busy, fp({"reason": "r"}), NOW)
    assert (caught.value.status, caught.value.code) == (409, "request_in_progress")
    abandoned = record(status=None, body=None, lease_until=NOW - timedelta(seconds=1))
    assert verdict(abandoned, fp({"reason": "r"}), NOW) is Verdict.PROCEED


def test_a_key_is_free_again_after_the_retention() -> None:
    old = record(created_at=NOW - RETENTION - timedelta(seconds=1))
    assert verdict(old, fp({"reason": "other"}), NOW) is Verdict.PROCEED


@pytest.mark.parametrize(("status", "final"), [(200, True), (409, True), (422, True), (500, False)])
def test_only_non_5xx_answers_are_kept(status: int, final: bool) -> None:
    assert is_final(status) is final
    assert is_final(503) is False


def test_a_services_reused_key_refusal_binds_nothing() -> None:
    """The service holds the key for another command: the gateway keeps no answer, so the
    first command's retry reaches the service again."""
    refused = {"code": "idempotency_key_reused", "message": "..."}
    assert is_final(422, refused) is False
    assert is_final(422, {"code": "invalid_input", "message": "..."}) is True
