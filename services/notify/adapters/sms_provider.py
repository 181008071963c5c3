"""What an SMS provider is to us: send one message, idempotent on our message id.

Providers answer in three ways: accepted (with their message id), a refusal no
retry can change (:class:`ProviderRejected`: the number does not exist), or
anything else (:class:`ProviderUnavailable`, a timeout, a connection error): the
answer is unknown or temporary, so we fail over and try again later. Asked again
with the same message id, a provider must not send twice; that is what lets us
call it outside our transaction and call again after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class OutgoingSms:
    message_id: str
    """Ours, stable per SMS: the provider dedupes on it."""
    phone: str
    text: str


@dataclass(frozen=True)
class SmsReceipt:
    provider: str
    provider_message_id: str
    sent_now: bool
    """False when the provider had accepted this message id before."""


class ProviderUnavailable(Exception):
    """Temporarily refused or away: try the other provider, and again later."""


class ProviderRejected(Exception):
    """Refused for good (no such number, a blocked recipient): retrying cannot help."""


class SmsProvider(Protocol):
    @property
    def name(self) -> str: ...

    async def send(self, sms: OutgoingSms) -> SmsReceipt: ...
