"""Named business rules. Each says when it is broken and which error that is.

A command checks its rules in order before it changes anything, so the first
broken rule is the answer and nothing happens.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from services.voucher.domain.errors import (
    AlreadyReversed,
    NotAvailable,
    PointsNotDeducted,
    ReasonRequired,
    SourceNotReversible,
    VoucherUsed,
)
from services.voucher.domain.model import (
    REVERSIBLE_SOURCES,
    DeductionStatus,
    OrderStatus,
    VoucherStatus,
)
from shared.errors import DomainError


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


def void_rules(reason: str | None, status: VoucherStatus) -> list[BusinessRule]:
    return [ReasonGiven(reason), *voidable_rules(status)]


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
