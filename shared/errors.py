"""Domain errors: a broken rule has a name (``code``) the gateway turns into a 4xx answer."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the command. Never retried: the same input fails the same way."""

    status: int = 409
    code: str = "rule_broken"
    retryable: bool = False

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"


class ReasonRequired(InvalidInput):
    """A command that changes money or a record needs a written reason (DOMAIN.md)."""

    code = "reason_required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class RetryLater(DomainError):
    """Not yet possible (say, a redemption before its voucher): park the message and retry."""

    status = 409
    code = "retry_later"
    retryable = True


class IdempotencyKeyReused(InvalidInput):
    """The same Idempotency-Key came back with another request: a client bug, refused and
    nothing changed, by the gateway and by every service alike. The message names nothing
    of the first request: it may be someone else's decision."""

    code = "idempotency_key_reused"

    def __init__(
        self,
        message: str = (
            "this Idempotency-Key was already used for another request; use a new key for"
            " each command"
        ),
    ) -> None:
        super().__init__(message)
