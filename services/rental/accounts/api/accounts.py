"""Accounts: the balance first, the ledger, the card's state, the deposit, refunds."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, status

from services.rental.accounts.api.common import Accounts, key_required
from services.rental.accounts.domain.actions import account_actions
from services.rental.accounts.domain.card import CardState
from services.rental.accounts.domain.fund_flow import yuan
from services.rental.accounts.domain.refund_request import RefundKind
from services.rental.accounts.domain.stored import ListedAccount, RefundRequest
from services.rental.accounts.handlers import accounts as handlers
from services.rental.accounts.handlers import refunds as refund_handlers
from services.rental.accounts.store import accounts as store
from services.rental.accounts.store import refunds as refund_store
from services.rental.api.common import (
    Cursor,
    Limit,
    NameFilter,
    PhoneFilter,
    keyset,
    numeric_id,
    paged,
)
from services.rental.domain.query import UserQuery, name_part, phone_match
from shared.api.rental_accounts import (
    AccountOut,
    AccountPageOut,
    AccountSummaryOut,
    Book,
    BooksOut,
    CardChangeOut,
    CardChangePageOut,
    CardStateIn,
    DepositIn,
    LimitsOut,
    MovementOut,
    MovementPageOut,
    RefundIn,
    RefundOut,
    RefundPageOut,
    TodayOut,
)
from shared.http import CurrentActor, IdempotencyKey
from shared.masking import mask_card, mask_phone
from shared.paging import decode_cursor

router = APIRouter(tags=["accounts"])
BOOK_FILTER = "Only the movements that changed this sum: balance, deposit or held"


def refund_out(row: RefundRequest) -> RefundOut:
    masked = mask_card(row.payout_account) if row.payout_account else None
    return RefundOut.model_validate(asdict(row) | {"payout_account": masked})


def _summary(row: ListedAccount) -> AccountSummaryOut:
    values = asdict(row)
    values["phone"] = mask_phone(row.phone)
    values["balance_yuan"] = yuan(row.balance_cents)
    values["deposit_yuan"] = yuan(row.deposit_cents)
    return AccountSummaryOut.model_validate(values)


@router.get("/accounts", response_model=AccountPageOut)
async def list_accounts(
    deps: Accounts,
    _actor: CurrentActor,
    phone: PhoneFilter = None,
    name: NameFilter = None,
    user_id: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AccountPageOut:
    """The account list (账户列表, seed 001 2.3): registered users with their balance and
    deposit, by phone (whole or last four digits), the beginning of the name, user id; newest
    registration first."""
    query = UserQuery(phone=phone_match(phone), name=name_part(name), user_id=user_id, limit=limit)
    rows = await store.search(deps.pool, query, decode_cursor(cursor))
    return AccountPageOut(**paged(rows, limit, keyset("registered_at", "user_id"), _summary))


@router.get("/accounts/{user_id}", response_model=AccountOut)
async def get_account(user_id: str, deps: Accounts, actor: CurrentActor) -> AccountOut:
    """The account, balance first; the card's state, type and limits, today's top-ups, refunds."""
    view = await handlers.view(deps, user_id)
    return AccountOut(
        balance_cents=view.books.balance_cents,
        balance_yuan=yuan(view.books.balance_cents),
        deposit_cents=view.books.deposit_cents,
        held_cents=view.books.held_cents,
        user_id=view.user_id,
        card_state=CardState(view.card_state),
        card_type=view.card_type,
        registered=view.registered,
        phone=mask_phone(view.phone) if view.phone else None,
        name=view.name,
        limits=LimitsOut(**view.limits.model_dump()),
        today=TodayOut(topped_up_cents=view.today.amount_cents, top_ups=view.today.count),
        refunds=[refund_out(r) for r in view.refunds],
        actions=account_actions(actor.roles, view.facts),
    )


@router.get("/accounts/{user_id}/movements", response_model=MovementPageOut)
async def get_movements(
    user_id: str,
    deps: Accounts,
    _actor: CurrentActor,
    limit: Limit = 50,
    cursor: Cursor = None,
    book: Annotated[Book | None, Query(description=BOOK_FILTER)] = None,
) -> MovementPageOut:
    """Every movement of the account, newest first (the append-only ledger); with ``book``
    only those that changed that sum (the deposit's history: ``book=deposit``)."""
    before = numeric_id(decode_cursor(cursor))
    rows = await store.movements(deps.pool, user_id, before_id=before, limit=limit, book=book)
    return MovementPageOut(
        **paged(rows, limit, keyset("at", "id"), lambda r: MovementOut(**asdict(r)))
    )


@router.get("/accounts/{user_id}/card-changes", response_model=CardChangePageOut)
async def get_card_changes(
    user_id: str, deps: Accounts, _actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> CardChangePageOut:
    """Every change of the card's state, newest first: who, when, why."""
    before = numeric_id(decode_cursor(cursor))
    rows = await store.card_history(deps.pool, user_id, before_id=before, limit=limit)
    return CardChangePageOut(
        **paged(rows, limit, keyset("at", "id"), lambda r: CardChangeOut(**asdict(r)))
    )


@router.post("/accounts/{user_id}/card-state", response_model=CardChangeOut)
async def post_card_state(
    user_id: str,
    body: CardStateIn,
    deps: Accounts,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> CardChangeOut:
    """Freeze, report lost, expire or reactivate the card (409 card_transition_invalid). The
    same Idempotency-Key answers the change again; with another state or reason, 422
    idempotency_key_reused."""
    await handlers.change_card_state(
        deps,
        user_id=user_id,
        state=CardState(body.state),
        reason=body.reason,
        actor=actor.username,
        roles=actor.roles,
        idempotency_key=idempotency_key,
    )
    latest = (await store.card_history(deps.pool, user_id))[0]
    return CardChangeOut(**asdict(latest))


@router.post("/accounts/{user_id}/deposit", response_model=BooksOut)
async def post_deposit(
    user_id: str,
    body: DepositIn,
    deps: Accounts,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> BooksOut:
    """Set the deposit (押金修改): operations supervisors only (403
    ops_supervisor_required), with a reason; the difference goes in the ledger."""
    books = await handlers.change_deposit(
        deps,
        user_id=user_id,
        deposit_cents=body.deposit_cents,
        reason=body.reason,
        actor=actor,
        idempotency_key=key_required(idempotency_key),
    )
    return BooksOut.model_validate(asdict(books))


@router.post(
    "/accounts/{user_id}/refunds", status_code=status.HTTP_202_ACCEPTED, response_model=RefundOut
)
async def post_refund(
    user_id: str,
    body: RefundIn,
    deps: Accounts,
    actor: CurrentActor,
    idempotency_key: IdempotencyKey,
) -> RefundOut:
    """Ask the refund service to refund the deposit or stored value; the money is held
    until its answer (202: pending)."""
    row = await refund_handlers.request_refund(
        deps,
        user_id=user_id,
        kind=RefundKind(body.kind),
        amount_cents=body.amount_cents,
        reason=body.reason,
        proof=body.proof,
        actor=actor.username,
        roles=actor.roles,
        idempotency_key=key_required(idempotency_key),
    )
    return refund_out(row)


@router.get("/accounts/{user_id}/refunds", response_model=RefundPageOut)
async def get_refunds(
    user_id: str, deps: Accounts, _actor: CurrentActor, limit: Limit = 50, cursor: Cursor = None
) -> RefundPageOut:
    """The account's refund requests and their outcomes, newest first."""
    rows = await refund_store.page_of_user(
        deps.pool, user_id, after=decode_cursor(cursor), limit=limit
    )
    return RefundPageOut(**paged(rows, limit, keyset("requested_at", "request_id"), refund_out))
