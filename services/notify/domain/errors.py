"""The notify domain's errors, each with the code the gateway, the agent or the DLQ sees."""

from __future__ import annotations

from shared.errors import DomainError, Forbidden, InvalidInput, NotFound

# The rule moved to shared.verification; re-exported for this service's callers.
from shared.verification import CodeRequestedTooSoon as CodeRequestedTooSoon


class TemplateUnknown(DomainError):
    status = 422
    code = "template_unknown"


class TemplateParamMissing(DomainError):
    """A blank in a template with no value: an error, never a message with a hole in it."""

    status = 422
    code = "template_param_missing"


class MessageTooLong(DomainError):
    status = 422
    code = "message_too_long"


class SecretParamInClear(DomainError):
    """A secret parameter (a verification code) sent readable: it travels sealed or not at
    all (``shared/sealing.py``)."""

    status = 422
    code = "secret_param_in_clear"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class AnnouncementOnline(DomainError):
    """The seed: only one not online may be edited (只能对未上线的消息进行修改)."""

    code = "announcement_online"


class AnnouncementNotOnline(DomainError):
    code = "announcement_not_online"


class RoleRequired(Forbidden):
    code = "role_required"


class InvalidAnnouncement(InvalidInput):
    code = "invalid_announcement"


class InvalidSchedule(InvalidInput):
    code = "invalid_schedule"


class AnnouncementNotFound(NotFound):
    code = "announcement_not_found"


class MessageNotFound(NotFound):
    code = "message_not_found"


class SmsNotFound(NotFound):
    code = "sms_not_found"


class NoCodeSent(NotFound):
    code = "no_code_sent"
