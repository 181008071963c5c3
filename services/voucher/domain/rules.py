"""Named business rules. Each says when it is broken and which error that is.

A command checks its rules in order before it changes anything, so the first
broken rule is the answer and nothing happens.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from services.voucher.domain.errors import (
    AlreadyReversed,
    NotAvailable,
    OperationInProgress,
    PointsNotDeducted,
    RoleRequired,
    SourceNotReversible,
    VoucherUsed,
)
from services.voucher.domain.model import (
    REVERSIBLE_SOURCES,
    Action,
    DeductionStatus,
    OrderStatus,
    VoucherStatus,
)
from services.voucher.domain.saga import SagaState
from shared.errors import DomainError, ReasonRequired


class BusinessRule(ABC):
    @abstractmethod
    def is_broken(self) -> bool: ...

    @abstractmethod
    def error(self) -> DomainError: ...


def check(*rules: BusinessRule) -> None:
    """Raise the error of the first broken rule."""
    for rule in rules:
        if rule.is_broken():
            raise rule.error()


def holds(rules: Iterable[BusinessRule]) -> bool:
    """Whether a command checking these rules would pass them: what an action flag shows."""
    return not any(rule.is_broken() for rule in rules)


OPERATORS = frozenset({"agent", "duty_lead"})
"""Who voids and reverses (DOMAIN.md roles: the agent's rights, which a duty lead has too);
the gateway's route table says the same, and the service checks it again."""


@dataclass(frozen=True)
class MayOperate(BusinessRule):
    roles: frozenset[str]

    def is_broken(self) -> bool:
        return not self.roles & OPERATORS

    def error(self) -> DomainError:
        return RoleRequired("voids and reversals are for agents and duty leads")


@dataclass(frozen=True)
class ReasonGiven(BusinessRule):
    """Void and reversal need a written reason (操作原因), or nothing happens."""

    reason: str | None

    def is_broken(self) -> bool:
        return not (self.reason or "").strip()

    def error(self) -> DomainError:
        return ReasonRequired("a reason is required for this operation")


@dataclass(frozen=True)
class VoucherNotUsed(BusinessRule):
    status: VoucherStatus

    def is_broken(self) -> bool:
        return self.status is VoucherStatus.USED

    def error(self) -> DomainError:
        return VoucherUsed("the voucher was already used at a lottery store")


@dataclass(frozen=True)
class VoucherAvailable(BusinessRule):
    status: VoucherStatus

    def is_broken(self) -> bool:
        return self.status is not VoucherStatus.AVAILABLE

    def error(self) -> DomainError:
        return NotAvailable(f"the voucher is {self.status.value}, not available")


@dataclass(frozen=True)
class SourceReversible(BusinessRule):
    source: str

    def is_broken(self) -> bool:
        return self.source not in REVERSIBLE_SOURCES

    def error(self) -> DomainError:
        return SourceNotReversible(
            f"orders paid with {self.source} cannot be reversed: only bubble points refund"
        )


@dataclass(frozen=True)
class PointsDeducted(BusinessRule):
    deduction_status: str
    points: int

    def is_broken(self) -> bool:
        return self.deduction_status != DeductionStatus.DEDUCTED or self.points <= 0

    def error(self) -> DomainError:
        return PointsNotDeducted(
            f"no points to return: deduction is {self.deduction_status}, {self.points} points"
        )


@dataclass(frozen=True)
class NoVoucherOfOrderUsed(BusinessRule):
    """One used voucher blocks the whole order (有已使用的券不符合返销条件)."""

    statuses: Sequence[VoucherStatus]

    def is_broken(self) -> bool:
        return VoucherStatus.USED in self.statuses

    def error(self) -> DomainError:
        return VoucherUsed("a voucher of this order was used: the order cannot be reversed")


@dataclass(frozen=True)
class EveryVoucherOfOrderAvailable(BusinessRule):
    statuses: Sequence[VoucherStatus]

    def is_broken(self) -> bool:
        return any(s is not VoucherStatus.AVAILABLE for s in self.statuses)

    def error(self) -> DomainError:
        others = sorted({s.value for s in self.statuses if s is not VoucherStatus.AVAILABLE})
        return NotAvailable(f"every voucher must be available; some are {', '.join(others)}")


@dataclass(frozen=True)
class OrderNotReversed(BusinessRule):
    order_status: str

    def is_broken(self) -> bool:
        return self.order_status == OrderStatus.REVERSED

    def error(self) -> DomainError:
        return AlreadyReversed("the order was already reversed")


def voidable_rules(status: VoucherStatus) -> list[BusinessRule]:
    """Only an available voucher can be voided; a used one says so."""
    return [VoucherNotUsed(status), VoucherAvailable(status)]


def reversal_rules(
    *, source: str, deduction_status: str, points: int, statuses: Iterable[VoucherStatus]
) -> list[BusinessRule]:
    """Whole order only: bubble points, points taken, every voucher still available."""
    listed = list(statuses)
    return [
        SourceReversible(source),
        PointsDeducted(deduction_status, points),
        NoVoucherOfOrderUsed(listed),
        EveryVoucherOfOrderAvailable(listed),
    ]


def resume_rules(unvoided: Iterable[VoucherStatus]) -> list[BusinessRule]:
    """A reversal resumed after a failed void: the vouchers it has still to void must be able to."""
    listed = list(unvoided)
    return [NoVoucherOfOrderUsed(listed), EveryVoucherOfOrderAvailable(listed)]


@dataclass(frozen=True)
class OrderNotReversing(BusinessRule):
    """A reversal under way owns its vouchers until it ends."""

    order_status: str

    def is_broken(self) -> bool:
        return self.order_status == OrderStatus.REVERSING

    def error(self) -> DomainError:
        return OperationInProgress("the order is being reversed")


@dataclass(frozen=True)
class NoVoidInProgress(BusinessRule):
    voiding: bool

    def is_broken(self) -> bool:
        return self.voiding

    def error(self) -> DomainError:
        return OperationInProgress("a void of this voucher (or one of its order's) is in progress")


@dataclass(frozen=True)
class OrderFacts:
    """What the rules of a void or a reversal need to know of an order, read in one place
    for the command (rows locked) and for the action flags (a plain read)."""

    source: str
    deduction_status: str
    points: int
    order_status: str
    statuses: Mapping[str, VoucherStatus]
    """Every voucher of the order by code, its status as seen today."""
    voiding: frozenset[str] = field(default_factory=frozenset)
    """Codes with a void in progress."""
    saga: SagaState | None = None
    """The order's reversal, if one was ever started."""

    @property
    def unvoided(self) -> dict[str, VoucherStatus]:
        return {c: s for c, s in self.statuses.items() if s is not VoucherStatus.VOIDED}


def void_command_rules(status: VoucherStatus, order: OrderFacts, code: str) -> list[BusinessRule]:
    """Every rule a void of this voucher checks once its rows are locked."""
    return [
        *voidable_rules(status),
        OrderNotReversing(order.order_status),
        NoVoidInProgress(code in order.voiding),
    ]


def reversal_command_rules(order: OrderFacts) -> list[BusinessRule]:
    """Every rule a reversal of this order checks once its rows are locked.

    A failed reversal resumes with the vouchers it has still to void; a reversal under
    way is followed by a repeated command, never started twice (so not offered).
    """
    if order.saga is SagaState.FAILED:
        unvoided = order.unvoided
        return [
            *resume_rules(unvoided.values()),
            NoVoidInProgress(bool(order.voiding & unvoided.keys())),
        ]
    return [
        OrderNotReversed(order.order_status),
        OrderNotReversing(order.order_status),
        *reversal_rules(
            source=order.source,
            deduction_status=order.deduction_status,
            points=order.points,
            statuses=order.statuses.values(),
        ),
        NoVoidInProgress(bool(order.voiding)),
    ]


def voucher_actions(
    code: str, status: VoucherStatus, order: OrderFacts, roles: frozenset[str]
) -> list[Action]:
    """The buttons a voucher shows: exactly the commands its rules would accept now.

    Both act on available vouchers only (seed 000: 券非可用状态时，这两个按钮不可见).
    """
    if status is not VoucherStatus.AVAILABLE or not holds([MayOperate(roles)]):
        return []
    actions = []
    if holds(void_command_rules(status, order, code)):
        actions.append(Action.VOID)
    if holds(reversal_command_rules(order)):
        actions.append(Action.REVERSE)
    return actions
