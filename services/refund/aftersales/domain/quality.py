"""Service quality of a seller's after-sales (seed 002, 服务质量监控、评价): how many
tickets the seller reviewed in time rather than leaving them to the 48-hour approval,
and how many fell overdue, graded A, B or C.

The seed names the monitoring but its scheme did not survive the scrape; this grade is
ours, in whole percent so it reads the same everywhere: A when at least 95% of reviews
were the seller's own and at most 5% of tickets fell overdue, B at 80% and 20%, else C.
A month without reviewed tickets is not graded.
"""

from __future__ import annotations

from dataclasses import dataclass

GRADES = (("A", 95, 5), ("B", 80, 20))


@dataclass(frozen=True)
class QualityFigures:
    opened: int
    reviewed_by_staff: int
    auto_approved: int
    overdue_tickets: int
    """Tickets whose staff were reminded at least once (review, receipt or processing)."""
    completed: int
    average_review_minutes: int | None


@dataclass(frozen=True)
class Rating:
    on_time_percent: int | None
    overdue_percent: int | None
    grade: str | None


def _percent(part: int, whole: int) -> int | None:
    return part * 100 // whole if whole else None


def rate(f: QualityFigures) -> Rating:
    on_time = _percent(f.reviewed_by_staff, f.reviewed_by_staff + f.auto_approved)
    overdue = _percent(f.overdue_tickets, f.opened)
    if on_time is None or overdue is None:
        return Rating(on_time, overdue, None)
    for grade, least_on_time, most_overdue in GRADES:
        if on_time >= least_on_time and overdue <= most_overdue:
            return Rating(on_time, overdue, grade)
    return Rating(on_time, overdue, "C")
