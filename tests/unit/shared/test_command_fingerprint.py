"""The fingerprint a service keeps with an Idempotency-Key: the same for the same command,
another for any other choice, target or name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from shared.errors import IdempotencyKeyReused
from shared.idempotency import Command

APPROVE = Command("approve", "RF1", {"amount_cents": 12300, "opinion": "同意"})


def test_the_same_command_has_the_same_fingerprint_whatever_the_order() -> None:
    again = Command("approve", "RF1", {"opinion": "同意", "amount_cents": 12300})
    assert again.fingerprint == APPROVE.fingerprint


def test_another_choice_target_or_name_is_another_command() -> None:
    others = (
        Command("approve", "RF1", {"amount_cents": 12299, "opinion": "同意"}),
        Command("approve", "RF1", {"amount_cents": 12300, "opinion": "同意 "}),
        Command("approve", "RF2", {"amount_cents": 12300, "opinion": "同意"}),
        Command("give_up", "RF1", {"amount_cents": 12300, "opinion": "同意"}),
        Command("approve", "RF1", {"amount_cents": 12300}),
    )
    assert len({APPROVE.fingerprint, *(o.fingerprint for o in others)}) == 1 + len(others)


def test_a_time_is_the_same_instant_whatever_its_offset() -> None:
    utc = datetime(2026, 11, 23, 12, 18, tzinfo=UTC)
    beijing = utc.astimezone(timezone(timedelta(hours=8)))
    assert Command("fix", "T1", {"ended_at": utc}).fingerprint == (
        Command("fix", "T1", {"ended_at": beijing}).fingerprint
    )
    later = utc + timedelta(seconds=1)
    assert Command("fix", "T1", {"ended_at": utc}).fingerprint != (
        Command("fix", "T1", {"ended_at": later}).fingerprint
    )
    assert Command("x", "t", {"a": Decimal("1.10")}).fingerprint != (
        Command("x", "t", {"a": Decimal("1.1")}).fingerprint
    )


def test_only_the_label_is_in_clear_and_the_choices_are_a_digest() -> None:
    assert APPROVE.label == "approve:RF1"
    assert "同意" not in APPROVE.fingerprint and len(APPROVE.fingerprint) == 64


def test_the_refusal_is_a_422_with_its_code_and_names_nothing() -> None:
    refused = IdempotencyKeyReused()
    assert (refused.status, refused.code) == (422, "idempotency_key_reused")
    assert "RF1" not in refused.message
