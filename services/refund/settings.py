"""The refund service's own settings (``KEFU_*``, beside the platform's).

Refund forms, their approval chain, time limits and payouts; after-sales tickets;
the monthly reports.
"""

from __future__ import annotations

from shared.settings import PlatformSettings


class RefundSettings(PlatformSettings):
    refund_filing_limit_minutes: int = 10
    """A refund form is filed within this many minutes of the customer's complaint."""
    refund_submission_limit_minutes: int = 60
    """From filing to the duty lead's submission to finance (waiting on the customer pauses)."""
    refund_finance_limit_hours: int = 12
    """From submission to finance until the refund is paid."""
    refund_second_approval_above_cents: int | None = 1_000_000
    """A refund form above this many cents needs a second finance director after the
    first (seed 003's further approval for special cases); unset: never."""
    refund_due_soon_minutes: int = 10
    """A step due within this many minutes counts as ``due_soon`` in ``kefu.refund.steps.due``."""
    refund_duty_lead_inbox: str = "lead"
    """The staff inbox (username) told in-app when a refund form misses a time limit."""
    refund_timer_sweep_seconds: float = 60.0
    """The longest the durable timers' sweep (time limits, payouts due) sleeps: it wakes
    when the next one is due and when one is set sooner (a trigger's notification)."""
    refund_payout_max_attempts: int = 5
    """Payout attempts (back-off doubling) before a payout is flagged for a person."""
    refund_payout_retry_base_seconds: float = 30.0
    refund_payout_lease_seconds: float = 15.0
    """A payout whose worker went silent this long (it crashed) is taken over."""
    sandbox_payment_delay_ms: int = 0
    sandbox_payment_fail_all: bool = False

    # refund, after-sales tickets (seed 002):
    aftersales_auto_approve_hours: float = 48
    """A ticket nobody reviewed within this many hours is approved by the system. A fraction
    is allowed (a test stack gives its tickets seconds, not two days)."""
    aftersales_review_reminder_hours: int = 24
    """A ticket still unreviewed after this many hours is overdue: its reviewers are reminded."""
    aftersales_receipt_hours: int = 168
    """After approval, the customer's return is due back within this many hours."""
    aftersales_processing_hours: int = 48
    """A received return (or a resend) is processed within this many hours."""
    aftersales_sweep_seconds: float = 60.0
    """The longest the tickets' sweep (48 h approval, reminders) sleeps: it wakes when the
    next one is due and when a ticket is opened or changes stage (a trigger's notification)."""
    refund_report_service_staff: str = "lead"
    """Inboxes told when the service department's monthly refund statistics are due."""
    refund_report_finance_staff: str = "accountant"
    """Inboxes told when the finance department's monthly refund statistics are due."""
    refund_report_office_staff: str = "hr"
    """Inboxes of the admin/HR office (行政人事部) told when a head approves a month's
    statistics, for them to verify and archive."""
    refund_report_check_seconds: float = 3600.0
    """The longest the monthly statistics' due check sleeps: it wakes when the next due day
    begins (only the calendar makes one due)."""
