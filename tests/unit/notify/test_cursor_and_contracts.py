"""The list cursor, and the notify contracts' own rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.notify.domain import cursor
from services.notify.domain.errors import InvalidCursor
from shared.contracts import (
    NOTIFY_INAPP_REQUESTED,
    NOTIFY_SMS_REQUESTED,
    InappRequested,
    SmsRequested,
)


def test_cursor_round_trip_and_pages() -> None:
    assert cursor.decode(cursor.encode(42)) == 42
    assert cursor.decode(None) is None and cursor.decode("") is None
    assert cursor.next_cursor([9, 8, 7], 3) == cursor.encode(7)
    assert cursor.next_cursor([9, 8], 3) is None


@pytest.mark.parametrize("token", ["nonsense!", cursor.encode(0), "djI6MQ"])
def test_a_cursor_we_did_not_give_is_refused(token: str) -> None:
    with pytest.raises(InvalidCursor):
        cursor.decode(token)


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
