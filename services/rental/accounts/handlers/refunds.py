"""Deposit and stored-value refunds: ask the refund service, hold the money meanwhile,
and move it exactly once on the outcome (paid: it leaves; rejected: it goes back)."""

from __future__ import annotations

import logging

from services.rental.accounts.deps import AccountDeps
from services.rental.accounts.domain import ledger
from services.rental.accounts.domain.actions import AccountFacts, refund_refusal
from services.rental.accounts.domain.card import CardState
from services.rental.accounts.domain.errors import AccountNotFound, UnknownRefundRequest
from services.rental.accounts.domain.refund_request import (
    REQUESTER,
    RefundKind,
    RefundStatus,
    breakdown,
    check_outcome,
    refund_amount,
    request_id,
)
from services.rental.accounts.domain.stored import RefundRequest
from services.rental.accounts.store import accounts as account_store
from services.rental.accounts.store import refunds as store
from shared import idempotency, metrics
from shared.contracts import REFUND_REQUESTED, RefundCompleted, RefundRejected, RefundRequested
from shared.idempotency import Command
from shared.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


async def request_refund(
    deps: AccountDeps,
    *,
    user_id: str,
    kind: RefundKind,
    amount_cents: int | None,
    reason: str | None,
    proof: str | None,
    actor: str,
    roles: frozenset[str],
    idempotency_key: str | None,
) -> RefundRequest:
    async with deps.unit() as uow:
        conn = uow.conn
        if idempotency_key is not None:
            asked = {"kind": kind.value, "amount_cents": amount_cents, "reason": reason}
            command = Command("refund_request", user_id, asked | {"proof": proof})
            # the request's id is known once the account is locked: the key is bound to
            # the user until then (rebind below)
            prior = await idempotency.claim(conn, idempotency_key, command, user_id)
            if prior is not None:
                first = await store.get(conn, prior.subject)
                assert first is not None  # requests are never deleted
                return first
        if await account_store.view(conn, user_id) is None:
            raise AccountNotFound(f"no account {user_id}: nothing to refund")
        account = await account_store.lock(conn, user_id)
        books = account.books
        facts = AccountFacts(
            books, CardState(account.card_state), await store.pending_kinds(conn, user_id)
        )
        refusal = refund_refusal(kind, roles, facts)
        if refusal is not None:
            raise refusal
        amount = refund_amount(kind, books, amount_cents, reason)
        assert reason is not None
        stored_value = kind is RefundKind.STORED_VALUE
        amounts = breakdown(
            kind,
            amount,
            await store.bonus_left(conn, user_id) if stored_value else 0,
            deps.settings.rental_refund_fee_bps,
        )
        payout_to = await store.original_account(conn, user_id) if stored_value else None
        movement = ledger.refund_held(books, amount, deposit=kind is RefundKind.DEPOSIT)
        rid = request_id(kind, user_id, await store.next_sequence(conn, user_id))
        now = uow.now()
        await account_store.record(
            conn, user_id, movement, reference=rid, actor=actor, reason=reason.strip(), at=now
        )
        user = await account_store.user(conn, user_id)
        row = await store.insert(
            conn,
            request_id=rid,
            user_id=user_id,
            kind=kind,
            amounts=amounts,
            reason=reason.strip(),
            proof=proof,
            requested_by=actor,
            requested_at=now,
            payout_to=payout_to,
        )
        if idempotency_key is not None:
            await idempotency.rebind(conn, idempotency_key, rid)
        await uow.publish(
            REFUND_REQUESTED,
            RefundRequested(
                request_id=rid,
                requester=REQUESTER,
                kind=kind.value,
                user_id=user_id,
                amount_cents=amounts.payout_cents,
                phone=user.phone if user is not None else None,
                reason=reason.strip()[:500],
                requested_by=actor,
                requested_at=now,
                payout_method=payout_to[0] if payout_to else None,
                payout_account=payout_to[1] if payout_to else None,
                deducted_cents=amounts.bonus_deducted_cents + amounts.fee_cents,
            ),
        )
        return row


async def _decide(uow: UnitOfWork, outcome: RefundCompleted | RefundRejected) -> None:
    if outcome.requester != REQUESTER:
        return  # another service's refund: not ours to move
    conn = uow.conn
    row = await store.get(conn, outcome.request_id)
    if row is None:
        raise UnknownRefundRequest(f"no refund request {outcome.request_id} was made here")
    # Lock order: the account, then the request (the same order as request_refund).
    account = await account_store.lock(conn, row.user_id)
    row = await store.get_for_update(conn, outcome.request_id)
    assert row is not None  # requests are never deleted
    pending = store.pending_of(row)
    if pending.status is not RefundStatus.PENDING:
        log.info(
            "refund outcome for a decided request ignored",
            extra={"fields": {"request_id": pending.request_id, "status": pending.status}},
        )
        return
    check_outcome(
        pending, kind=outcome.kind, user_id=outcome.user_id, amount_cents=outcome.amount_cents
    )
    books = account.books
    deposit = pending.kind is RefundKind.DEPOSIT
    now = uow.now()
    refund_id: str | None
    kept: list[ledger.Movement] = []
    if isinstance(outcome, RefundCompleted):
        movement = ledger.refund_paid(books, pending.payout_cents)
        for kind, cents in (
            (ledger.MovementKind.REFUND_BONUS_DEDUCTED, pending.bonus_deducted_cents),
            (ledger.MovementKind.REFUND_FEE, pending.fee_cents),
        ):
            if cents > 0:
                kept.append(ledger.refund_kept((kept[-1] if kept else movement).after, kind, cents))
        status, by, refund_id = RefundStatus.COMPLETED, outcome.approved_by, outcome.refund_id
        detail = f"paid, payout {outcome.payout_reference}"
    else:
        movement = ledger.refund_restored(books, pending.amount_cents, deposit=deposit)
        status, by, refund_id = RefundStatus.REJECTED, outcome.rejected_by, outcome.refund_id
        detail = f"{outcome.reason}: {outcome.detail}".rstrip(": ")
    for each in (movement, *kept):
        await account_store.record(
            conn,
            pending.user_id,
            each,
            reference=pending.request_id,
            actor=by,
            reason=detail,
            at=now,
        )
    await store.decide(
        conn,
        pending.request_id,
        status,
        refund_id=refund_id,
        outcome=detail,
        decided_by=by,
        decided_at=now,
    )
    metrics.saga_finished(
        f"rental_{pending.kind.value}_refund",
        status.value,
        max((now - row.requested_at).total_seconds(), 0.0),
    )


async def refund_completed(uow: UnitOfWork, outcome: RefundCompleted) -> None:
    await _decide(uow, outcome)


async def refund_rejected(uow: UnitOfWork, outcome: RefundRejected) -> None:
    await _decide(uow, outcome)
