"""Failover over SMS providers: one round asks each in order until one accepts.

Before each call the caller records which provider it is about to ask (and commits
it), so a round cut off by a crash resumes with that provider, which dedupes on
the message id. A call that times out or errors is treated as unavailable and the
next provider is asked: a rare duplicate SMS is better than a verification code
that never arrives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from opentelemetry.trace import SpanKind

from services.notify.adapters.sms_provider import (
    OutgoingSms,
    ProviderRejected,
    SmsProvider,
    SmsReceipt,
)
from services.notify.domain.sms import ProviderCall, Round, provider_order
from shared.telemetry import tracer

CALL_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RoundResult:
    round: Round
    receipt: SmsReceipt | None


class FailoverSender:
    def __init__(
        self, providers: Sequence[SmsProvider], call_timeout: float = CALL_TIMEOUT_SECONDS
    ) -> None:
        if not providers:
            raise ValueError("at least one SMS provider")
        self._providers = {p.name: p for p in providers}
        self._timeout = call_timeout

    @property
    def names(self) -> list[str]:
        return list(self._providers)

    def provider(self, name: str) -> SmsProvider:
        return self._providers[name]

    def order(self, in_flight: str | None) -> list[str]:
        return provider_order(self.names, in_flight)

    async def send_round(
        self,
        sms: OutgoingSms,
        *,
        order: Sequence[str],
        before_call: Callable[[str], Awaitable[None]],
    ) -> RoundResult:
        """Ask the providers in ``order`` (see :meth:`order`) until one accepts or one
        refuses for good; ``before_call`` records each provider before it is asked."""
        calls: list[ProviderCall] = []
        for name in order:
            await before_call(name)
            call, receipt = await self._call(self._providers[name], sms)
            calls.append(call)
            if call.accepted or call.permanent:
                return RoundResult(Round(tuple(calls)), receipt)
        return RoundResult(Round(tuple(calls)), None)

    async def _call(
        self, provider: SmsProvider, sms: OutgoingSms
    ) -> tuple[ProviderCall, SmsReceipt | None]:
        with tracer(__name__).start_as_current_span(
            "sms provider send",
            kind=SpanKind.CLIENT,
            attributes={"kefu.sms.provider": provider.name, "kefu.sms.message_id": sms.message_id},
        ) as span:
            try:
                async with asyncio.timeout(self._timeout):
                    receipt = await provider.send(sms)
            except ProviderRejected as exc:
                span.set_attribute("kefu.sms.outcome", "rejected")
                return ProviderCall(provider.name, False, str(exc), permanent=True), None
            except Exception as exc:  # unavailable, timed out, or broken: fail over
                span.set_attribute("kefu.sms.outcome", "unavailable")
                answer = str(exc) or type(exc).__name__
                return ProviderCall(provider.name, False, answer), None
            span.set_attribute("kefu.sms.outcome", "accepted")
            span.set_attribute("kefu.sms.sent_now", receipt.sent_now)
            return ProviderCall(provider.name, True, receipt.provider_message_id), receipt
