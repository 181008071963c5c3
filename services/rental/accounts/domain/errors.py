"""The errors of accounts and stored value, each with the code the agent (or the DLQ) sees.

The top-up failure causes are those of seed 004 (充值失败原因): the paying account is
short (账户余额不足), the card's state (卡片状态异常: expired, reported lost, frozen),
a device fault (充值设备故障), the amount or count over the card type's limit
(充值金额或次数超出限制).
"""

from __future__ import annotations

from shared.errors import DomainError, Forbidden, InvalidInput, NotFound, RetryLater


class InvalidAmount(InvalidInput):
    code = "invalid_amount"


class AmountMismatch(InvalidInput):
    """The amount the customer confirmed differs from the amount to charge (金额审核)."""

    code = "amount_mismatch"


class CardExpired(DomainError):
    code = "card_expired"


class CardReportedLost(DomainError):
    code = "card_reported_lost"


class CardFrozen(DomainError):
    code = "card_frozen"


class CardTransitionInvalid(DomainError):
    code = "card_transition_invalid"


class AmountOverLimit(DomainError):
    code = "amount_over_limit"


class DailyAmountOverLimit(DomainError):
    code = "daily_amount_over_limit"


class DailyCountOverLimit(DomainError):
    code = "daily_count_over_limit"


class PayerAccountShort(DomainError):
    """The customer's paying account (bank card, wallet) could not cover the top-up."""

    status = 402
    code = "payer_account_short"


class DeviceFault(DomainError):
    """The counter's payment device (POS) failed: nothing was charged; try again."""

    status = 502
    code = "device_fault"


class TopUpInProgress(DomainError):
    """A top-up with this Idempotency-Key is at the payment device right now. A 5xx, so
    the gateway frees the key and the same key may ask again shortly."""

    status = 503
    code = "top_up_in_progress"


class TopUpUnconfirmed(DomainError):
    """The payment device did not answer: whether it charged is not known yet. The top-up
    stays pending and is confirmed by asking the device again (same charge id)."""

    status = 502
    code = "top_up_unconfirmed"


class IdentityNotVerified(DomainError):
    status = 403
    code = "identity_not_verified"


class VerificationCodeInvalid(DomainError):
    status = 422
    code = "verification_code_invalid"


class NoPhoneOnFile(DomainError):
    code = "no_phone_on_file"


class BalanceInsufficient(DomainError):
    """A movement would take an account's balance (or deposit, or held money) below zero."""

    code = "balance_insufficient"


class BalanceNotYetThere(RetryLater):
    """The platform took a charge from stored value we have not seen paid in yet: wait."""

    code = "balance_not_yet_there"


class NoDeposit(DomainError):
    code = "no_deposit"


class DepositRefundAmount(InvalidInput):
    """A deposit refund is the whole deposit, never part of it (DOMAIN.md 2)."""

    code = "deposit_refund_amount_mismatch"


class RefundPending(DomainError):
    code = "refund_pending"


class RefundOutcomeConflict(DomainError):
    """An outcome that does not match its request (amount, kind, user): never applied."""

    code = "refund_outcome_conflict"


class UnknownRefundRequest(DomainError):
    code = "unknown_refund_request"


class PaymentConflict(DomainError):
    """The same payment id arrived again with different facts: never applied twice."""

    code = "payment_conflict"


class SupervisorRequired(Forbidden):
    """Changing a deposit is the operations supervisor's (运营主管) right alone."""

    code = "ops_supervisor_required"


class AccountNotFound(NotFound):
    code = "account_not_found"


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


class VerificationNotFound(NotFound):
    code = "identity_verification_not_found"


class NothingToPayBack(DomainError):
    """Seed 004: the bonus and fee would take all of a stored-value refund."""

    code = "nothing_to_pay_back"
