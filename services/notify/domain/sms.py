"""One SMS's life: requested → queued → sending → sent, or failed; or rejected up front.

* ``queued``: accepted, waiting for its next round over the providers;
* ``sending``: a provider call is under way or its outcome is unknown (a crash):
  the next round asks that provider first, and it dedupes on the message id;
* ``sent`` / ``failed``: final. One SMS per dedupe key: a final one is never sent again;
* ``rejected``: never sent (rate limit, template error); a later request with the same
  key is judged afresh (a redrive from the DLQ once the window has passed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum


class SmsStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    REJECTED = "rejected"


FINAL = frozenset({SmsStatus.SENT, SmsStatus.FAILED})


@dataclass(frozen=True)
class SmsMessage:
    """One entry of the SMS log (one per dedupe key)."""

    id: int
    dedupe_key: str
    phone: str
    template_id: str | None
    text: str | None
    """As staff see it: a secret parameter (a verification code) masked; None if the
    request was never rendered."""
    status: SmsStatus
    failure: str | None
    failure_detail: str | None
    provider: str | None
    """The provider that accepted it."""
    provider_message_id: str | None
    provider_answer: str | None
    provider_in_flight: str | None
    """The provider whose call is under way or was cut off (asked first next round)."""
    attempts: int
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    updated_at: datetime
    params: Mapping[str, str | int] = field(default_factory=dict)
    """The template's parameters that travel in clear (never a secret one)."""
    sealed_params: str | None = None
    """The request's secret parameters (a verification code), still in the box sealed to
    this service's key: opened only to send the SMS and by the recorded latest-code
    look-up."""


@dataclass(frozen=True)
class RecordedCall:
    """A provider call of an SMS as recorded (the log's failover story)."""

    attempt: int
    provider: str
    accepted: bool
    permanent: bool
    answer: str
    at: datetime


@dataclass(frozen=True)
class CodeLookup:
    """Who looked up the latest code sent to a phone, and when (append-only)."""

    id: int
    actor: str
    phone: str
    sms_id: int | None
    found: bool
    trace_id: str | None
    at: datetime


class Step(Enum):
    ADMIT = "admit"
    """New (or rejected before): render it and check the rate limit."""
    RESUME = "resume"
    """Admitted before: another round over the providers."""
    DONE = "done"
    """Already sent or failed: nothing to do."""


def next_step(status: SmsStatus | None) -> Step:
    if status is None or status is SmsStatus.REJECTED:
        return Step.ADMIT
    if status in FINAL:
        return Step.DONE
    return Step.RESUME


@dataclass(frozen=True)
class ProviderCall:
    provider: str
    accepted: bool
    answer: str
    """The provider's words: its message id when accepted, its error otherwise."""
    permanent: bool = False
    """A refusal no retry can change (the number does not exist)."""


@dataclass(frozen=True)
class Round:
    """The calls of one round over the providers, in order."""

    calls: tuple[ProviderCall, ...]

    @property
    def accepted_by(self) -> ProviderCall | None:
        return next((c for c in self.calls if c.accepted), None)

    @property
    def permanent_refusal(self) -> ProviderCall | None:
        return next((c for c in self.calls if c.permanent), None)

    def summary(self) -> str:
        return "; ".join(f"{c.provider}: {c.answer}" for c in self.calls)


class Verdict(Enum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


def judge(round_: Round, attempt: int, max_attempts: int) -> tuple[Verdict, str | None]:
    """What a round means: sent, try again later, or give up (and the failure reason)."""
    if round_.accepted_by is not None:
        return Verdict.SENT, None
    if round_.permanent_refusal is not None:
        return Verdict.FAILED, "provider_rejected"
    if attempt >= max_attempts:
        return Verdict.FAILED, "providers_unavailable"
    return Verdict.RETRY, None


def provider_order(providers: Sequence[str], in_flight: str | None) -> list[str]:
    """Primary first, unless a call to another was cut off: ask that one again first, so a
    message it may already have sent is deduped there instead of sent again elsewhere."""
    if in_flight is None or in_flight not in providers:
        return list(providers)
    return [in_flight, *(p for p in providers if p != in_flight)]
