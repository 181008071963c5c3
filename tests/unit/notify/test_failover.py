"""Failover over SMS providers, on fake providers (outside systems: fakes are fine here)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from services.notify.adapters.failover import FailoverSender
from services.notify.adapters.sms_provider import (
    OutgoingSms,
    ProviderRejected,
    ProviderUnavailable,
    SmsReceipt,
)

SMS = OutgoingSms("kefu-sms-1", "13800138000", "您好")


@dataclass
class Fake:
    name: str
    behaviour: str = "accept"
    calls: list[str] = field(default_factory=list)

    async def send(self, sms: OutgoingSms) -> SmsReceipt:
        self.calls.append(sms.message_id)
        if self.behaviour == "unavailable":
            raise ProviderUnavailable(f"{self.name} down")
        if self.behaviour == "reject":
            raise ProviderRejected("no such number")
        if self.behaviour == "hang":
            await asyncio.sleep(10)
        if self.behaviour == "broken":
            raise RuntimeError("connection reset")
        return SmsReceipt(self.name, f"{self.name}-1", sent_now=True)


async def run(sender: FailoverSender, in_flight: str | None = None) -> tuple[object, list[str]]:
    asked: list[str] = []

    async def before_call(name: str) -> None:
        asked.append(name)

    result = await sender.send_round(SMS, order=sender.order(in_flight), before_call=before_call)
    return result, asked


async def test_the_primary_sends_when_it_can() -> None:
    a, b = Fake("a"), Fake("b")
    result, asked = await run(FailoverSender([a, b]))
    assert asked == ["a"] and b.calls == []
    assert result.receipt is not None and result.receipt.provider == "a"  # type: ignore[attr-defined]


@pytest.mark.parametrize("failure", ["unavailable", "broken", "hang"])
async def test_a_failing_primary_fails_over_to_the_secondary(failure: str) -> None:
    a, b = Fake("a", failure), Fake("b")
    result, asked = await run(FailoverSender([a, b], call_timeout=0.05))
    assert asked == ["a", "b"]
    assert result.receipt.provider == "b"  # type: ignore[attr-defined]
    first = result.round.calls[0]  # type: ignore[attr-defined]
    assert not first.accepted and not first.permanent and first.answer


async def test_both_unavailable_is_a_round_without_receipt() -> None:
    result, asked = await run(FailoverSender([Fake("a", "unavailable"), Fake("b", "unavailable")]))
    assert asked == ["a", "b"]
    assert result.receipt is None  # type: ignore[attr-defined]
    assert [c.answer for c in result.round.calls] == ["a down", "b down"]  # type: ignore[attr-defined]


async def test_a_permanent_refusal_does_not_fail_over() -> None:
    b = Fake("b")
    result, asked = await run(FailoverSender([Fake("a", "reject"), b]))
    assert asked == ["a"] and b.calls == []
    assert result.round.permanent_refusal is not None  # type: ignore[attr-defined]


async def test_a_cut_off_call_is_resumed_with_the_same_provider_first() -> None:
    a, b = Fake("a"), Fake("b")
    result, asked = await run(FailoverSender([a, b]), in_flight="b")
    assert asked == ["b"] and a.calls == []
    assert result.receipt.provider == "b"  # type: ignore[attr-defined]


def test_a_sender_needs_a_provider() -> None:
    with pytest.raises(ValueError):
        FailoverSender([])
