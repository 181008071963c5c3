"""What an agent may do on an account now, from the same rules the commands ask.

The account's ``actions`` offer a command exactly when it would be accepted for its
state and the caller's roles; what only the command's input decides (the amount against
the limits, the reason) is checked by the command alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.rental.accounts.domain.card import CardState, top_up_refusal, transition_refusal
from services.rental.accounts.domain.errors import (
    BalanceInsufficient,
    NoDeposit,
    RefundPending,
    SupervisorRequired,
)
from services.rental.accounts.domain.ledger import Books
from services.rental.accounts.domain.refund_request import RefundKind, breakdown
from services.rental.domain.permissions import role_refusal
from shared.errors import DomainError

CARD_ACTIONS: dict[str, CardState] = {
    "activate_card": CardState.ACTIVE,
    "freeze_card": CardState.FROZEN,
    "report_card_lost": CardState.REPORTED_LOST,
    "expire_card": CardState.EXPIRED,
}


@dataclass(frozen=True)
class AccountFacts:
    books: Books
    card_state: CardState
    pending: frozenset[RefundKind]
    """The kinds of refund pending now (one of each at most)."""
    bonus_left_cents: int = 0
    fee_bps: int = 0


def top_up_action_refusal(roles: frozenset[str], card_state: CardState) -> DomainError | None:
    return role_refusal("top_up", roles) or top_up_refusal(card_state)


def deposit_change_refusal(roles: frozenset[str], facts: AccountFacts) -> DomainError | None:
    if role_refusal("change_deposit", roles) is not None:
        return SupervisorRequired("only an operations supervisor may change a deposit")
    if RefundKind.DEPOSIT in facts.pending:
        return RefundPending("a deposit refund is pending: change the deposit after it ends")
    return None


def refund_refusal(
    kind: RefundKind, roles: frozenset[str], facts: AccountFacts
) -> DomainError | None:
    """Whether a refund of this kind may be asked for now (the amount is the command's)."""
    denied = role_refusal(f"refund_{kind.value}", roles)
    if denied is not None:
        return denied
    if kind in facts.pending:
        return RefundPending(f"a {kind.value} refund is already pending")
    if kind is RefundKind.DEPOSIT and facts.books.deposit_cents <= 0:
        return NoDeposit("the account holds no deposit to refund")
    if kind is RefundKind.STORED_VALUE and facts.books.balance_cents <= 0:
        return BalanceInsufficient("the account has no stored value to refund")
    return None


def card_change_refusal(
    roles: frozenset[str], current: CardState, wanted: CardState
) -> DomainError | None:
    return role_refusal("change_card_state", roles) or transition_refusal(current, wanted)


def account_actions(roles: frozenset[str], facts: AccountFacts) -> list[str]:
    actions = []
    if top_up_action_refusal(roles, facts.card_state) is None:
        actions.append("top_up")
    if deposit_change_refusal(roles, facts) is None:
        actions.append("change_deposit")
    for kind in RefundKind:
        if refund_refusal(kind, roles, facts) is None and _pays_something(kind, facts):
            actions.append(f"refund_{kind.value}")
    actions += [
        action
        for action, wanted in CARD_ACTIONS.items()
        if card_change_refusal(roles, facts.card_state, wanted) is None
    ]
    return actions


def _pays_something(kind: RefundKind, facts: AccountFacts) -> bool:
    """A whole-balance refund would pay something after the bonus and fee."""
    if kind is RefundKind.DEPOSIT:
        return True
    try:
        breakdown(kind, facts.books.balance_cents, facts.bonus_left_cents, facts.fee_bps)
    except DomainError:
        return False
    return True
