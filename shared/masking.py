"""Masking of personal numbers in lists and logs (phone numbers, card numbers)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """``13800138000`` → ``138****8000``: enough to confirm with the caller, not to dial.

    At least half of any number is hidden: a shorter one (a 7- or 8-digit landline)
    keeps only its last digits, ``6543210`` → ``*****10``."""
    if len(phone) >= 11:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    shown = 4 if len(phone) >= 8 else 2 if len(phone) == 7 else 0
    return "*" * (len(phone) - shown) + phone[len(phone) - shown :]


def mask_card(card: str) -> str:
    """Keep the last four digits of a card number."""
    return f"{'*' * max(len(card) - 4, 0)}{card[-4:]}"
