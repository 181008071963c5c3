"""The user guide: every save is a new version; a save names the version it edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.rental.domain.errors import GuideVersionConflict, InvalidQuery
from services.rental.domain.permissions import role_refusal

MAX_GUIDE_CHARS = 50_000


@dataclass(frozen=True)
class GuideVersion:
    """One saved version of the guide."""

    version: int
    content: str
    note: str | None
    saved_by: str
    saved_at: datetime


@dataclass(frozen=True)
class GuideVersionSummary:
    """A version as the list shows it: without its text, with the text's length."""

    version: int
    note: str | None
    saved_by: str
    saved_at: datetime
    length: int


def next_version(current: int | None, based_on: int | None, content: str) -> int:
    """The number of the version a save creates; refused if someone saved in between."""
    if not content.strip():
        raise InvalidQuery("the guide cannot be empty", code="guide_empty")
    if len(content) > MAX_GUIDE_CHARS:
        raise InvalidQuery(
            f"the guide is at most {MAX_GUIDE_CHARS} characters", code="guide_too_long"
        )
    latest = current or 0
    if (based_on or 0) != latest:
        raise GuideVersionConflict(
            f"the guide is at version {latest}, this edit is based on {based_on or 0}:"
            " read the latest and save again"
        )
    return latest + 1


def guide_actions(roles: frozenset[str]) -> list[str]:
    """``edit`` for the roles that save the guide (the save asks the same table)."""
    return ["edit"] if role_refusal("edit_guide", roles) is None else []
