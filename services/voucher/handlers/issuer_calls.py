"""Calling the lottery issuer: traced, and never raising (a failure is an outcome)."""

from __future__ import annotations

import logging

from opentelemetry.trace import SpanKind

from services.voucher.adapters.issuer import LotteryIssuer, VoidRequest, VoidResult
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


async def void_in_order_at_issuer(
    issuer: LotteryIssuer, requests: list[VoidRequest]
) -> list[VoidResult]:
    """Void an order's codes in one call, in order, until one is refused (a result each
    code tried; a failed call is a refusal of the first)."""
    with tracer(__name__).start_as_current_span(
        "lottery_issuer void",
        kind=SpanKind.CLIENT,
        attributes={"kefu.request_ids": [r.request_id for r in requests]},
    ) as span:
        try:
            results = await issuer.void_in_order(requests)
        except Exception as exc:  # unreachable or broken issuer: nothing voided, may be retried
            results = [VoidResult(False, f"issuer call failed: {exc!r}")]
        span.set_attribute("kefu.voided", sum(r.voided for r in results))
    for request, result in zip(requests, results, strict=False):
        if not result.voided:
            log.warning(
                "void refused by the issuer",
                extra={"fields": {"request_id": request.request_id, "detail": result.detail}},
            )
    return results
