"""Answers the gateway gives on its own behalf: sign-in failures and services it cannot reach."""

from __future__ import annotations

from shared.errors import DomainError


class Unauthorized(DomainError):
    """No valid sign-in; answered with ``WWW-Authenticate: Bearer``."""

    status = 401
    code = "unauthorized"


class TokenExpired(Unauthorized):
    code = "token_expired"


class InvalidCredentials(Unauthorized):
    code = "invalid_credentials"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"


class ServiceTimeout(DomainError):
    status = 504
    code = "service_timeout"


class BadServiceAnswer(DomainError):
    status = 502
    code = "bad_service_answer"
