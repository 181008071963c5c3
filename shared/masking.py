"""Masking of personal numbers in lists and logs (phone numbers, card numbers)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000``: enough to confirm with the caller, not to dial."""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def mask_card(card: str) -> str:
    """Keep the last four digits of a card number."""
    return f"{'*' * max(len(card) - 4, 0)}{card[-4:]}"
