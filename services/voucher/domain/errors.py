"""The voucher domain's errors, each with the code the gateway and the agent see."""

from __future__ import annotations

from shared.errors import DomainError, Forbidden, NotFound, RetryLater


class NotAvailable(DomainError):
    code = "not_available"


class VoucherUsed(DomainError):
    code = "voucher_used"


class SourceNotReversible(DomainError):
    code = "source_not_reversible"


class PointsNotDeducted(DomainError):
    code = "points_not_deducted"


class AlreadyReversed(DomainError):
    code = "already_reversed"


class RoleRequired(Forbidden):
    code = "role_required"


class OperationInProgress(DomainError):
    code = "operation_in_progress"


class NotRetryable(DomainError):
    code = "not_retryable"


class VoucherNotFound(NotFound):
    code = "voucher_not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"


class OperationNotFound(NotFound):
    code = "operation_not_found"


class VoucherNotIssuedYet(RetryLater):
    """A redemption came before its voucher's issue event: park it, the issue will come."""

    code = "voucher_not_issued"


class VoidedVoucherRedeemed(DomainError):
    """A store redeemed a voucher we had voided: operators must look at it (DLQ)."""

    code = "voided_voucher_redeemed"


class VoucherCodeTaken(DomainError):
    """An issue event reuses a code another order already holds."""

    code = "voucher_code_taken"
