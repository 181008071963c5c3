"""When the monthly refund statistics are due (seed 003): each department compiles its
table, its head checks it, and it goes to administration on the 1st of the next month,
moved on past a Saturday or Sunday (于每月1日（遇双休日顺延）提交至行政人事部)."""

from __future__ import annotations

from datetime import date, timedelta

DEPARTMENT_WORDS = {"service": "客服部", "finance": "财务部"}


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s."""
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


def due_on(month: date) -> date:
    """The day the statistics of ``month`` are due: the 1st after it, past a weekend."""
    first = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    return first


def month_due(today: date) -> date | None:
    """The month whose statistics are due by ``today``, if they are."""
    month = previous_month(today)
    return month if today >= due_on(month) else None


def next_due_day(today: date) -> date:
    """The next due day after ``today``'s notices: the one still ahead this month, else the
    one of this month's statistics (next month)."""
    this_one = due_on(previous_month(today))
    return this_one if today < this_one else due_on(today.replace(day=1))


def notice_key(month: date, department: str, recipient: str) -> str:
    return f"refund:report:{month:%Y-%m}:{department}:{recipient}"
