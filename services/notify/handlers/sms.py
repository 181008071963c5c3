"""Send requested SMS: once per dedupe key, within the rate limit, failing over.

The subscriber's transaction holds the inbox rows and, at the end, each SMS's final
status and its event (``notify.sms.sent.v1`` / ``notify.sms.failed.v1``) in the outbox.
The providers are outside calls, so what must survive a crash is committed on its own
first: the admission (the rate limit counts it) together with the provider about to be
asked (``sending``), and any later provider asked. A crash between a provider's answer
and our commit leaves the SMS ``sending``; Kafka redelivers the request (or the parked
retry runs it), the next round asks that same provider first, and the provider,
deduping on our message id (``kefu-sms-<id>``), answers with its first receipt instead
of sending again.

Both providers unavailable: :class:`RetryLater` parks the request, retried with
back-off; after ``sms_max_attempts`` rounds it is given up with ``notify.sms.failed.v1``.
A request that breaks a rule (rate limit, template) is recorded as rejected, answered
with ``notify.sms.failed.v1``, and dead-lettered with the rule's code as the reason.

A batch sends to different phones concurrently (one phone's requests in order, for its
rate limit) and records every settled outcome in the one transaction. A request that
cannot be settled now (retry, rule broken) is returned with its error, for the runtime
to park or dead-letter that one alone: its batch-mates' provider calls stay recorded
and are never made again because of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from services.notify.adapters.failover import RoundResult
from services.notify.adapters.sms_provider import OutgoingSms
from services.notify.deps import Deps
from services.notify.domain.errors import RateLimited
from services.notify.domain.rate_limit import check_rate
from services.notify.domain.sms import SmsMessage, Step, Verdict, judge, next_step
from services.notify.domain.templates import ParamValue, joined_params, render
from services.notify.store import sms as store
from shared.contracts import (
    NOTIFY_SMS_FAILED,
    NOTIFY_SMS_REQUESTED,
    NOTIFY_SMS_SENT,
    SmsFailed,
    SmsRequested,
    SmsSent,
)
from shared.contracts.notify import SmsFailure
from shared.db import Db
from shared.errors import DomainError, RetryLater
from shared.masking import mask_phone
from shared.messaging.consumer import DATABASE_AWAY
from shared.sealing import open_sealed
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
BATCH_CONCURRENCY = 16
"""Phones served at once by one batch: enough to overlap the providers' and the
database's waits, few enough to leave pool connections for the rest."""


@dataclass(frozen=True)
class Settled:
    """A round over the providers that ended the SMS (sent or given up)."""

    sms_id: int
    phone: str
    attempt: int
    result: RoundResult
    verdict: Verdict
    failure: str | None


async def send_sms(uow: UnitOfWork, deps: Deps, request: SmsRequested) -> None:
    await store.lock_keys(uow.conn, [request.dedupe_key])
    settled = await _send_one(uow.conn, deps, request)
    if settled is not None:
        await _record(uow, settled)


async def send_sms_batch(
    uow: UnitOfWork, deps: Deps, requests: Sequence[SmsRequested]
) -> dict[str, Exception]:
    """Send and record the batch; returns the requests not settled (by dedupe key) and why."""
    unique = list({r.dedupe_key: r for r in reversed(requests)}.values())[::-1]
    await store.lock_keys(uow.conn, [r.dedupe_key for r in unique])
    by_phone: dict[str, list[SmsRequested]] = defaultdict(list)
    for r in unique:
        by_phone[r.phone].append(r)
    gate = asyncio.Semaphore(BATCH_CONCURRENCY)
    unsettled: dict[str, Exception] = {}

    async def serve(phone_requests: list[SmsRequested]) -> list[Settled]:
        async with gate:
            done = []
            for r in phone_requests:
                try:
                    settled = await _send_one(deps.pool, deps, r)
                except DATABASE_AWAY:
                    raise
                except Exception as exc:  # this request only: its round is recorded
                    unsettled[r.dedupe_key] = exc
                    continue
                if settled is not None:
                    done.append(settled)
            return done

    groups = await asyncio.gather(*(serve(rs) for rs in by_phone.values()), return_exceptions=True)
    # every group has finished before anything is raised: nothing of this batch is still
    # calling a provider when the runtime falls back to one request at a time
    for group in groups:
        if isinstance(group, BaseException):
            raise group
    for group in groups:
        assert not isinstance(group, BaseException)
        for settled in group:
            await _record(uow, settled)
    return unsettled


async def _send_one(db: Db, deps: Deps, request: SmsRequested) -> Settled | None:
    """One round for the request; None when there is nothing (more) to do. Raises
    :class:`RetryLater` when no provider accepted and rounds remain."""
    row = await store.by_dedupe_key(db, request.dedupe_key)
    step = next_step(row.status if row is not None else None)
    if step is Step.DONE:
        return None  # one SMS per dedupe key: this one was sent (or given up) already
    order = deps.sender.order(row.provider_in_flight if row is not None else None)
    admitted = await _admit(db, deps, request, order[0]) if step is Step.ADMIT else None
    if admitted is not None:
        (row, text), attempt = admitted, 1
    else:
        row = await store.by_dedupe_key(db, request.dedupe_key)
        assert row is not None
        started = await store.start_round(deps.pool, row.id, order[0])
        if started is None:
            return None
        attempt, text = started, _as_sent(deps, row)
    return await _round(deps, row, text, attempt, order)


def _opened(deps: Deps, sealed: str | None) -> dict[str, ParamValue]:
    """Sealed parameters opened (only here, in notify)."""
    return open_sealed(sealed, deps.seal_key, topic=NOTIFY_SMS_REQUESTED.name) if sealed else {}


def _as_sent(deps: Deps, sms: SmsMessage) -> str:
    """The text as the phone reads it, rendered again from what the log keeps (the parameters
    in clear and the sealed box): the log never holds it, since it may hold a code."""
    if sms.template_id is None:
        assert sms.text is not None, "an SMS without a template is admitted with its text"
        return sms.text
    return render(sms.template_id, {**sms.params, **_opened(deps, sms.sealed_params)}).text


async def _admit(
    db: Db, deps: Deps, request: SmsRequested, first_provider: str
) -> tuple[SmsMessage, str] | None:
    """The SMS admitted (counted by the rate limit), with its text as the phone will read
    it; None if another copy of the request admitted it first."""
    now = deps.clock()
    try:
        params = joined_params(
            request.template_id, request.params, _opened(deps, request.sealed_params)
        )
        rendered = render(request.template_id, params, request.text)
        limit = deps.rate_limit
        recent = await store.admitted_since(db, request.phone, now - limit.window)
        check_rate(mask_phone(request.phone), recent, now, limit)
    except DomainError as broken:
        await _reject(deps, request, broken, now)
        raise  # to the DLQ, with the rule's code as the reason
    admitted = await store.admit(
        deps.pool,
        dedupe_key=request.dedupe_key,
        phone=request.phone,
        params=request.params,
        sealed_params=request.sealed_params,
        rendered=rendered,
        requested_by=request.requested_by,
        first_provider=first_provider,
        now=now,
    )
    return (admitted, rendered.text) if admitted is not None else None


async def _reject(deps: Deps, request: SmsRequested, broken: DomainError, now: datetime) -> None:
    # Its own transaction: the subscriber's rolls back when the error goes on to the DLQ.
    async with deps.unit() as side:
        row = await store.reject(
            side.conn,
            dedupe_key=request.dedupe_key,
            phone=request.phone,
            template_id=request.template_id,
            params=request.params,
            failure=broken.code,
            detail=broken.message,
            requested_by=request.requested_by,
            now=now,
        )
        if row is not None:
            await side.publish(NOTIFY_SMS_FAILED, _failed(row, broken.code, broken.message, now))
    log.warning(
        "sms request rejected",
        extra={
            "fields": {
                "dedupe_key": request.dedupe_key,
                "phone": mask_phone(request.phone),
                "reason": broken.code,
                "rate_limited": isinstance(broken, RateLimited),
            }
        },
    )


async def _round(deps: Deps, sms: SmsMessage, text: str, attempt: int, order: list[str]) -> Settled:
    sms_id = sms.id
    claimed = order[0]  # recorded with the admission or the round's start

    async def before_call(provider: str) -> None:
        if provider != claimed:
            await store.begin_call(deps.pool, sms_id, provider)

    result = await deps.sender.send_round(
        OutgoingSms(f"kefu-sms-{sms_id}", sms.phone, text),
        order=order,
        before_call=before_call,
    )
    verdict, failure = judge(result.round, attempt, deps.settings.sms_max_attempts)
    if verdict is Verdict.RETRY:
        summary = result.round.summary()
        await store.record_calls(deps.pool, sms_id, attempt, result.round.calls)
        await store.requeue(deps.pool, sms_id, summary)
        raise RetryLater(f"no SMS provider accepted round {attempt}: {summary}")
    return Settled(sms_id, sms.phone, attempt, result, verdict, failure)


async def _record(uow: UnitOfWork, settled: Settled) -> None:
    """The final status and its event, in the subscriber's transaction."""
    conn, now, calls = uow.conn, uow.now(), settled.result.round.calls
    summary = settled.result.round.summary()
    await store.record_calls(conn, settled.sms_id, settled.attempt, calls)
    if settled.verdict is Verdict.SENT:
        receipt = settled.result.receipt
        assert receipt is not None
        sent = await store.mark_sent(
            conn,
            settled.sms_id,
            provider=receipt.provider,
            provider_message_id=receipt.provider_message_id,
            answer=summary,
            now=now,
        )
        if sent is not None:
            await uow.publish(NOTIFY_SMS_SENT, _sent(sent))
        return
    assert settled.failure is not None
    failed = await store.mark_failed(
        conn, settled.sms_id, failure=settled.failure, answer=summary, now=now
    )
    if failed is not None:
        await uow.publish(NOTIFY_SMS_FAILED, _failed(failed, settled.failure, summary, now))
    log.warning(
        "sms given up",
        extra={
            "fields": {
                "sms_id": settled.sms_id,
                "phone": mask_phone(settled.phone),
                "reason": settled.failure,
                "attempts": settled.attempt,
            }
        },
    )


def _sent(sms: SmsMessage) -> SmsSent:
    # mark_sent sets all three: a sent SMS has them (a CHECK holds sent_at)
    assert sms.provider is not None and sms.provider_message_id is not None
    assert sms.sent_at is not None
    return SmsSent(
        sms_id=sms.id,
        dedupe_key=sms.dedupe_key,
        phone=sms.phone,
        template_id=sms.template_id,
        provider=sms.provider,
        provider_message_id=sms.provider_message_id,
        attempts=sms.attempts,
        sent_at=sms.sent_at,
    )


def _failed(sms: SmsMessage, reason: str, detail: str, now: datetime) -> SmsFailed:
    return SmsFailed(
        sms_id=sms.id,
        dedupe_key=sms.dedupe_key,
        phone=sms.phone,
        template_id=sms.template_id,
        reason=cast(SmsFailure, reason),
        detail=detail[:2000],
        attempts=sms.attempts,
        failed_at=now,
    )
