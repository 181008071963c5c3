"""Contracts of the notify service: every service that tells a person something asks it here.

A request names a template and its parameters (or, rarely, carries ready text), the
recipient, and a dedupe key: the same key is sent once however often it is asked,
so a publisher may re-publish freely. Messages are keyed by recipient, so one
recipient's messages stay in order (and one phone's rate limit is counted in order).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from shared.contracts.base import Contract, Topic
from shared.timestamps import UtcTimestamp

Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{6,20}$")]
DedupeKey = Annotated[str, Field(min_length=1, max_length=200)]
TemplateId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
ParamValue = Annotated[str, Field(max_length=200)] | int
RecipientKind = Literal["user", "staff"]
SmsFailure = Literal[
    "providers_unavailable",
    "provider_rejected",
    "rate_limited",
    "template_unknown",
    "template_param_missing",
    "message_too_long",
    "secret_param_in_clear",
    "sealed_params_unreadable",
]


class _Templated(Contract):
    template_id: TemplateId | None = None
    """A template of the notify service (see its README); ``params`` fill its blanks."""
    params: dict[str, ParamValue] = Field(default_factory=dict)
    text: str | None = Field(default=None, min_length=1, max_length=1000)
    """Ready text instead of a template, for a one-off message."""
    dedupe_key: DedupeKey
    """Stable per thing to say, e.g. ``voucher:reversal:<saga id>``: one message per key, ever."""
    requested_by: str = Field(default="unknown", max_length=64)
    """The service (or agent) asking, for the log."""

    @model_validator(mode="after")
    def _template_or_text(self) -> _Templated:
        if (self.template_id is None) == (self.text is None):
            raise ValueError("give exactly one of template_id (with params) or text")
        return self


class SmsRequested(_Templated):
    """Send one SMS to a phone.

    A template's secret parameters (the ``code`` of ``verification_code``) travel only in
    ``sealed_params``, a box only the notify service opens (``shared/sealing.py``); one
    in ``params`` is refused (``secret_param_in_clear``), so no code is readable on the
    topic, in an outbox or in the DLQ.
    """

    phone: Phone
    sealed_params: str | None = Field(
        default=None, min_length=1, max_length=2000, pattern=r"^[A-Za-z0-9_-]+$"
    )
    """Secret parameters, sealed for notify (url-safe base64); they join ``params``."""


class InappRequested(_Templated):
    """Put one message in a person's in-app inbox: a customer's, or a staff member's."""

    recipient: str = Field(min_length=1, max_length=64)
    """A customer's user id, or a staff member's username when ``recipient_kind`` is staff."""
    recipient_kind: RecipientKind = "user"
    title: str | None = Field(default=None, max_length=100)
    """Overrides the template's title; a ``text`` message without one goes untitled."""


class SmsSent(Contract):
    """A provider accepted the SMS for delivery."""

    sms_id: int
    dedupe_key: str
    phone: str
    template_id: str | None
    provider: str
    provider_message_id: str
    attempts: int
    """Rounds over the providers it took."""
    sent_at: UtcTimestamp


class SmsFailed(Contract):
    """The SMS was not sent and will not be: the reason says why."""

    sms_id: int
    dedupe_key: str
    phone: str
    template_id: str | None
    reason: SmsFailure
    detail: str
    """The providers' last answers, or the rule the request broke."""
    attempts: int
    failed_at: UtcTimestamp


NOTIFY_SMS_REQUESTED = Topic(
    "notify.sms.requested.v1",
    SmsRequested,
    key="phone",
    summary="Any service asks the notify service to send an SMS (template and parameters).",
    producer="any service",
)
NOTIFY_INAPP_REQUESTED = Topic(
    "notify.inapp.requested.v1",
    InappRequested,
    key="recipient",
    summary="Any service asks the notify service to put a message in a person's inbox.",
    producer="any service",
)
NOTIFY_SMS_SENT = Topic(
    "notify.sms.sent.v1",
    SmsSent,
    key="phone",
    summary="The notify service had an SMS accepted by a provider.",
    producer="notify",
)
NOTIFY_SMS_FAILED = Topic(
    "notify.sms.failed.v1",
    SmsFailed,
    key="phone",
    summary="The notify service gave an SMS up: providers failed, or the request broke a rule.",
    producer="notify",
)
