"""The refund domain's errors, each with the code the gateway and the agent see."""

from __future__ import annotations

from shared.errors import DomainError, Forbidden, InvalidInput, NotFound


class WrongStep(DomainError):
    """The form is not at this step: a step cannot be skipped or done out of order."""

    code = "wrong_step"


class AlreadyDecided(DomainError):
    code = "already_decided"


class RoleRequired(Forbidden):
    code = "role_required"


class SamePersonTwice(Forbidden):
    """Separation of duties: one person decides at most one step of a form."""

    code = "same_person_twice"


class OwnForm(Forbidden):
    """Nobody decides a step of a form they filed or resubmitted, nor approves their own request."""

    code = "own_form"


class OverRefund(DomainError):
    code = "over_refund"


class CapExceeded(DomainError):
    code = "cap_exceeded"


class OutsideWindow(DomainError):
    code = "outside_window"


class AmountMismatch(DomainError):
    """A requested refund is approved for exactly the amount requested."""

    code = "amount_mismatch"


class InvalidForm(InvalidInput):
    code = "invalid_form"


class FormExists(DomainError):
    """One form per order number: a form sent back is corrected and resubmitted."""

    code = "form_exists"


class FormNotFound(NotFound):
    code = "form_not_found"


class RefundNotFound(NotFound):
    code = "refund_not_found"


class NotRetryable(DomainError):
    code = "not_retryable"


class RequestConflict(DomainError):
    """A refund request reuses a request_id with different content: operators must look."""

    code = "request_conflict"


class InvalidPeriod(InvalidInput):
    """A day or month that cannot be read (``2026-13``), or one not yet over."""

    code = "invalid_period"
