"""The notify contracts' own rules (the list cursor is shared.paging's)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    InappRequested,
    SmsRequested,
)


def test_a_request_has_a_template_or_text_not_both() -> None:
    SmsRequested(phone="13800138000", text="您好", dedupe_key="k")
    with pytest.raises(ValidationError):
        SmsRequested(phone="13800138000", dedupe_key="k")
    with pytest.raises(ValidationError):
        SmsRequested(phone="13800138000", template_id="refund_paid", text="x", dedupe_key="k")
    with pytest.raises(ValidationError):
        SmsRequested(phone="not-a-phone", text="x", dedupe_key="k")


def test_messages_are_keyed_by_recipient() -> None:
    sms = SmsRequested(phone="13800138000", text="x", dedupe_key="k")
    assert NOTIFY_SMS_REQUESTED.key_of(sms) == "13800138000"
    inapp = InappRequested(recipient="U1", recipient_kind="user", text="x", dedupe_key="k")
    assert NOTIFY_INAPP_REQUESTED.key_of(inapp) == "U1"
