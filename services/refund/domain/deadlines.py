"""The time limits of a refund form (seed 003) as pure values.

* ``filing``: the form is filed within 10 minutes of the customer's complaint;
* ``submission_to_finance``: the duty lead submits it to finance within 60 minutes
  of filing (the customer-service part: lead check, technical verification, submission);
* ``finance``: finance pays within 12 hours of the submission.

Waiting on the customer pauses every running limit; resuming moves the due time on
by the pause. A limit is breached at most once (the breach is recorded and told once).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class Limit(StrEnum):
    FILING = "filing"
    SUBMISSION_TO_FINANCE = "submission_to_finance"
    FINANCE = "finance"


ASSIGNEE_ROLE = {
    Limit.FILING: "agent",
    Limit.SUBMISSION_TO_FINANCE: "duty_lead",
    Limit.FINANCE: "cashier",
}
"""Who should have acted when a limit is missed (reported on the breach)."""

LABEL = {
    Limit.FILING: "填写退款单",
    Limit.SUBMISSION_TO_FINANCE: "提交财务",
    Limit.FINANCE: "财务退款",
}


@dataclass(frozen=True)
class Limits:
    filing: timedelta
    submission: timedelta
    finance: timedelta

    def of(self, limit: Limit) -> timedelta:
        return {
            Limit.FILING: self.filing,
            Limit.SUBMISSION_TO_FINANCE: self.submission,
            Limit.FINANCE: self.finance,
        }[limit]


def describe(span: timedelta) -> str:
    """``10分钟`` / ``12小时``: how the in-app message names a limit."""
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}小时" if minutes % 60 == 0 and minutes >= 60 else f"{minutes}分钟"


@dataclass(frozen=True)
class Deadline:
    form_id: str
    limit: Limit
    due_at: datetime
    paused_at: datetime | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None

    @property
    def running(self) -> bool:
        return self.met_at is None and self.breached_at is None

    def overdue(self, now: datetime) -> bool:
        return self.running and self.paused_at is None and self.due_at <= now

    def pause(self, now: datetime) -> Deadline:
        if not self.running or self.paused_at is not None:
            return self
        return replace(self, paused_at=now)

    def resume(self, now: datetime) -> Deadline:
        if self.paused_at is None:
            return self
        return replace(self, due_at=self.due_at + (now - self.paused_at), paused_at=None)

    def meet(self, now: datetime) -> Deadline:
        """The step was done (or the form left it): the timer stops."""
        if not self.running:
            return self
        return replace(self, met_at=now, paused_at=None)

    def breach(self, now: datetime) -> Deadline:
        return replace(self, breached_at=now)

    def restart(self, due_at: datetime) -> Deadline:
        """A new round (resubmitted after a send-back) runs the limit again, unless it was
        already breached: a breach is told once per limit and stays on the form."""
        if self.breached_at is not None:
            return self
        return replace(self, due_at=due_at, paused_at=None, met_at=None)


def filing_deadline(
    form_id: str, complaint_at: datetime, filed_at: datetime, limits: Limits
) -> Deadline:
    """Known at once: met when filed in time, breached when filed late."""
    due = complaint_at + limits.filing
    if filed_at > due:
        return Deadline(form_id, Limit.FILING, due, breached_at=filed_at)
    return Deadline(form_id, Limit.FILING, due, met_at=filed_at)
