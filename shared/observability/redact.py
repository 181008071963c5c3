"""Personal numbers out of log text: mobile phone numbers and card or ID numbers.

Applied by the JSON log formatter to the message, the exception text and every
string field, so a careless ``log.info(f"... {phone}")`` still leaks nothing.
Boundaries are "not a letter or digit", so digits inside hex ids (trace ids,
UUIDs) are left alone; a long bare number (a card, an 18-character ID number,
a 13-digit epoch in milliseconds) keeps only its last four digits.
"""

from __future__ import annotations

import re
from typing import Any

from shared.masking import mask_card, mask_phone

_EDGE_BEFORE = r"(?<![0-9A-Za-z])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
# A mainland mobile number, optionally with +86 / 86 in front.
_PHONE = re.compile(_EDGE_BEFORE + r"(?:\+?86[ -]?)?(1[3-9]\d{9})" + _EDGE_AFTER)
# Cards (13-19 digits, maybe grouped by spaces or dashes) and ID numbers (17 digits + X).
_CARD = re.compile(_EDGE_BEFORE + r"(\d(?:[ -]?\d){12,18}|\d{17}[Xx])" + _EDGE_AFTER)


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"[ -]", "", match.group(1))
    return mask_card(digits)


def redact(text: str) -> str:
    if not any(c.isdigit() for c in text):
        return text
    text = _PHONE.sub(lambda m: mask_phone(m.group(1)), text)
    return _CARD.sub(_card, text)


def redact_value(value: Any) -> Any:
    """Strings redacted, containers walked; other values as they are."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return value
