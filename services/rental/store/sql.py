"""Building keyset-paged SQL: positional arguments numbered as they are added."""

from __future__ import annotations

from typing import Any

from services.rental.domain.query import PhoneMatch

LAST_CHAR = "\U0010ffff"


class Args:
    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def where(conditions: list[str]) -> str:
    return " WHERE " + " AND ".join(conditions) if conditions else ""


def phone_condition(arg: Args, match: PhoneMatch, column: str = "phone") -> str:
    """The whole number, or its last four digits (indexed: users_by_phone_last4)."""
    if match.last_four_only:
        return f"right({column}, 4) = {arg(match.digits)}"
    return f"{column} = {arg(match.digits)}"


def name_condition(arg: Args, part: str, column: str = "name") -> str:
    """Names beginning with ``part``: one range of users_by_name_prefix (byte-wise, as its
    text_pattern_ops; the highest code point closes the range)."""
    return f"{column} ~>=~ {arg(part)} AND {column} ~<~ {arg(part + LAST_CHAR)}"
