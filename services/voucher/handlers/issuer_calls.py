"""Calling the lottery issuer: traced, and never raising (a failure is an outcome)."""

from __future__ import annotations

import logging

from opentelemetry.trace import SpanKind

from services.voucher.adapters.issuer import LotteryIssuer, VoidResult
from shared.telemetry import tracer

log = logging.getLogger(__name__)


async def void_at_issuer(issuer: LotteryIssuer, code: str, *, request_id: str) -> VoidResult:
    with tracer(__name__).start_as_current_span(
        "lottery_issuer void", kind=SpanKind.CLIENT, attributes={"kefu.request_id": request_id}
    ) as span:
        try:
            result = await issuer.void(code, request_id=request_id)
        except Exception as exc:  # unreachable or broken issuer: the void failed, may be retried
            result = VoidResult(False, f"issuer call failed: {exc!r}")
        span.set_attribute("kefu.voided", result.voided)
    if not result.voided:
        log.warning(
            "void refused by the issuer",
            extra={"fields": {"request_id": request_id, "detail": result.detail}},
        )
    return result
