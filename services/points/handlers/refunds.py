"""A points refund asked for on ``points.reversal.requested.v1``, in the caller's transaction."""

from __future__ import annotations

import logging
from collections.abc import Collection

from opentelemetry.trace import SpanKind

from services.points.adapters.provider import (
    NoAnswer,
    PointsProvider,
    RefundOrder,
    RefundRefused,
)
from services.points.domain.refunds import (
    NextStep,
    PointRefund,
    ProviderAnswer,
    RefundRequest,
    next_step,
    settle,
)
from services.points.store import refunds as store
from shared.contracts import POINTS_REVERSAL_RESULT, PointsReversalResult
from shared.telemetry import tracer
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def refund_points(
    uow: UnitOfWork, request: RefundRequest, provider: PointsProvider
) -> PointRefund:
    """Refund an order's points once, and answer on the result topic (every time asked).

    The provider is called inside this transaction but commits on its own. If we crash
    or roll back after it applied the refund, the request comes again (Kafka redelivers
    it, or the parked retry runs it) and the provider, idempotent on ``refund_id``,
    answers "applied" without moving points a second time.
    """
    batch = await RefundBatch.open(uow, [request.refund_id])
    refund = await batch.refund(request, provider)
    await batch.save()
    return refund


class RefundBatch:
    """Refund requests that arrived together, in one transaction: their refunds locked and
    read at once, each request settled in turn (:meth:`refund`, the provider asked where it
    must be), the refunds written and the answers queued at once (:meth:`save`).

    A request that breaks a rule, or whose provider call fails, raises from :meth:`refund`
    having written nothing, so its batch-mates go on in the same transaction: no savepoint
    is needed, and no provider call is made again because of another request. Two requests
    for one refund id are settled in order, the second seeing what the first made of it.
    """

    def __init__(self, uow: UnitOfWork, known: dict[str, PointRefund]) -> None:
        self._uow = uow
        self._known = known
        self._settled: dict[str, PointRefund] = {}
        self._answers: list[tuple[object, ...]] = []
        """Each settled request's answer (its outbox row), in the requests' order."""

    @classmethod
    async def open(
        cls, uow: UnitOfWork, refund_ids: Collection[str], *, locked: bool = False
    ) -> RefundBatch:
        """``locked``: the transaction holds the refund ids' locks already (the consumer
        runtime took them with the batch's inbox claim: the subscription's ``lock_key``)."""
        if not locked:
            await store.lock_refunds(uow.conn, refund_ids)
        return cls(uow, await store.get_refunds(uow.conn, refund_ids))

    async def refund(self, request: RefundRequest, provider: PointsProvider) -> PointRefund:
        """Settle one request (its refund id locked by :meth:`open`) and keep its answer
        for :meth:`save` (made here: it carries the request's trace)."""
        refund = self._known.get(request.refund_id)
        settled = None
        if next_step(refund, request) is NextStep.ASK_PROVIDER:
            answer = await _ask(provider, request)
            refund = settled = settle(refund, request, answer, self._uow.now())
        assert refund is not None
        answered = self._uow.outgoing(POINTS_REVERSAL_RESULT, result_of(refund, request.attempt))
        self._answers.append(answered)
        if settled is not None:
            self._known[settled.refund_id] = self._settled[settled.refund_id] = settled
            log.info(
                "points refund settled",
                extra={
                    "fields": {
                        "refund_id": settled.refund_id,
                        "status": settled.status,
                        "failure": settled.failure,
                        "attempt": request.attempt,
                    }
                },
            )
        return refund

    async def save(self) -> None:
        """Write what the provider's answers made of the refunds, and queue every settled
        request's answer, in one statement."""
        await store.save_refunds(self._uow.conn, list(self._settled.values()), self._answers)


async def _ask(provider: PointsProvider, request: RefundRequest) -> ProviderAnswer:
    order = RefundOrder(
        request.refund_id, request.user_id, request.points, request.merchant_order_no
    )
    with tracer(__name__).start_as_current_span(
        "points provider refund",
        kind=SpanKind.CLIENT,
        attributes={"kefu.refund_id": request.refund_id, "kefu.points": request.points},
    ) as span:
        try:
            receipt = await provider.refund(order)
        except RefundRefused as refused:
            span.set_attribute("kefu.refund.refused", str(refused))
            return ProviderAnswer(applied=False, failure=str(refused))
        except Exception as exc:
            raise NoAnswer(f"the points provider gave no answer: {exc!r}") from exc
        span.set_attribute("kefu.refund.applied_now", receipt.applied_now)
        return ProviderAnswer(applied=True)


def result_of(refund: PointRefund, attempt: int) -> PointsReversalResult:
    return PointsReversalResult(
        refund_id=refund.refund_id,
        merchant_order_no=refund.merchant_order_no,
        user_id=refund.user_id,
        points=refund.points,
        status=refund.status,
        failure=refund.failure,
        attempt=attempt,
        completed_at=refund.completed_at,
    )
