"""A row read as a typed object, in the store that read it.

``row_as(Kind, row)`` builds the frozen dataclass ``Kind`` from the columns named like
its fields: a column renamed or dropped fails here, where the SQL is, instead of as a
``row["col"]`` somewhere in a handler; everything past the store sees attributes that
``mypy --strict`` checks. Columns the class does not name are left out, so a migration
that adds one changes nothing. Fields that need converting (an enum, a domain rule) are
built by an explicit function in the store instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def row_as(kind: type[T], row: Mapping[str, Any]) -> T:
    """``row``'s columns named like ``kind``'s fields, as a ``kind``."""
    return kind(**{f.name: row[f.name] for f in fields(kind)})


def rows_as(kind: type[T], rows: Iterable[Mapping[str, Any]]) -> list[T]:
    return [row_as(kind, r) for r in rows]
