"""A row read as a typed object, in the store that read it.

``row_as(Kind, row)`` builds the frozen dataclass ``Kind`` from the columns named like
its fields: a column renamed or dropped fails here, where the SQL is, instead of as a
``row["col"]`` somewhere in a handler; everything past the store sees attributes that
``mypy --strict`` checks. Columns the class does not name are left out, so a migration
that adds one changes nothing. Fields that need converting (an enum, a domain rule) are
built by an explicit function in the store instead.

Cheap enough for a stream of rows: each class's field names are read once, and the
object is built positionally (a fraction of a keyword build's cost).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


@cache
def field_names(kind: type[DataclassInstance]) -> tuple[str, ...]:
    """``kind``'s fields in their order: a SELECT of these columns reads straight into it."""
    return tuple(f.name for f in fields(kind))


def row_as(kind: type[T], row: Mapping[str, Any]) -> T:
    """``row``'s columns named like ``kind``'s fields, as a ``kind``."""
    return kind(*[row[name] for name in field_names(kind)])


def rows_as(kind: type[T], rows: Iterable[Mapping[str, Any]]) -> list[T]:
    names = field_names(kind)
    return [kind(*[r[name] for name in names]) for r in rows]
