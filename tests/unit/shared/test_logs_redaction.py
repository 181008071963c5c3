"""Log lines are single JSON objects with trace ids, and no phone or card number in clear."""

from __future__ import annotations

import json
import logging

from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from shared.observability.redact import redact
from shared.telemetry import JsonFormatter

PHONE = "13812345678"
CARD = "6222021234567890123"
ID_NUMBER = "11010519491231002X"


def formatted(record: logging.LogRecord) -> str:
    return JsonFormatter("voucher").format(record)


def record_of(
    message: str, *, exc: bool = False, fields: dict[str, object] | None = None
) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError(f"provider refused card {CARD} for phone {PHONE}")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    record = logging.LogRecord("kefu.test", logging.ERROR, __file__, 1, message, (), exc_info)
    if fields is not None:
        record.fields = fields
    return record


def test_a_message_and_an_exception_with_a_phone_and_a_card_leak_neither() -> None:
    line = formatted(
        record_of(
            f"SMS to {PHONE} about card {CARD}",
            exc=True,
            fields={"phone": PHONE, "cards": [CARD, "6222 0212 3456 7890"], "id": ID_NUMBER},
        )
    )
    assert "\n" not in line, "one line per event, traceback included"
    for secret in (PHONE, CARD, ID_NUMBER, "6222 0212 3456 7890", "0212 3456"):
        assert secret not in line, secret
    entry = json.loads(line)
    assert entry["message"] == "SMS to 138****5678 about card ***************0123"
    assert (
        "ValueError: provider refused card ***************0123 for phone 138****5678"
        in (entry["error"])
    )
    assert entry["phone"] == "138****5678"
    assert entry["cards"] == ["***************0123", "************7890"]
    assert entry["id"].endswith("002X") and entry["id"].startswith("*")


def test_ids_that_merely_contain_digits_stay_readable() -> None:
    kept = (
        "trace 4bf92f3577b34da6a3ce929d0e0e4736",
        "ce_id 123e4567-e89b-12d3-a456-426614174000",
        "order M20261123120000, 3 vouchers, 12000 cents",
        "at 2026-11-23T12:00:00.123456+00:00",
    )
    for text in kept:
        assert redact(text) == text
    assert redact("call +86 13912345678 now") == "call 139****5678 now"


def test_the_active_span_s_ids_are_on_the_line() -> None:
    context = SpanContext(
        trace_id=0x4BF92F3577B34DA6A3CE929D0E0E4736,
        span_id=0x00F067AA0BA902B7,
        is_remote=False,
        trace_flags=TraceFlags(1),
    )
    with trace.use_span(NonRecordingSpan(context)):
        entry = json.loads(formatted(record_of("hello")))
    assert entry["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert entry["span_id"] == "00f067aa0ba902b7"
    assert (entry["service"], entry["level"], entry["logger"]) == ("voucher", "error", "kefu.test")


def test_plain_text_logs_are_masked_too() -> None:
    from shared.telemetry import PlainFormatter

    line = PlainFormatter().format(record_of(f"SMS to {PHONE} about card {CARD}", exc=True))
    assert PHONE not in line and CARD not in line
    assert "138****5678" in line and "ValueError" in line
