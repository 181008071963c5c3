"""The roles of DOMAIN.md's roles table, and the demo accounts ``kefu up`` seeds."""

from __future__ import annotations

AGENT = "agent"
DUTY_LEAD = "duty_lead"
OPS_SUPERVISOR = "ops_supervisor"
ADMIN = "admin"
TECH = "tech"
CASHIER = "cashier"
ACCOUNTANT = "accountant"
FINANCE_DIRECTOR = "finance_director"
AFTERSALES_REVIEWER = "aftersales_reviewer"
AFTERSALES_PROCESSOR = "aftersales_processor"
ADMIN_HR = "admin_hr"
"""行政人事部: verifies and archives the monthly refund statistics (seed 003)."""

KNOWN_ROLES = frozenset(
    {
        AGENT,
        DUTY_LEAD,
        TECH,
        CASHIER,
        ACCOUNTANT,
        FINANCE_DIRECTOR,
        OPS_SUPERVISOR,
        AFTERSALES_REVIEWER,
        AFTERSALES_PROCESSOR,
        ADMIN_HR,
        ADMIN,
    }
)

FRONT_LINE = frozenset({AGENT, DUTY_LEAD})
"""Search everything, void, reverse: the agent's rights, which a duty lead also has."""

CODE_LOOKUP = frozenset({DUTY_LEAD})
"""Reading the latest verification code sent to a phone, in clear (seed 001: a user who
did not receive the SMS). DOMAIN.md gives it its own permission because a code in clear
lets whoever holds it act as the customer: not an agent's everyday right, so a duty lead
reads it to the caller, and the notify service records every look-up (who, when, phone)."""

CODE_LOOKUP_AUDIT = frozenset({DUTY_LEAD, ADMIN})
"""Who looked up which code: the duty leads who answer for it, and admins who audit."""

ANNOUNCEMENT_READERS = FRONT_LINE | {OPS_SUPERVISOR}
ANNOUNCEMENT_EDITORS = frozenset({OPS_SUPERVISOR})
"""Operations supervisors publish announcements (DOMAIN.md roles)."""

DEMO_ACCOUNTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("agent", frozenset({AGENT})),
    ("agent2", frozenset({AGENT})),
    ("lead", frozenset({DUTY_LEAD})),
    ("lead2", frozenset({DUTY_LEAD})),
    ("tech", frozenset({TECH})),
    ("cashier", frozenset({CASHIER})),
    ("accountant", frozenset({ACCOUNTANT})),
    ("director", frozenset({FINANCE_DIRECTOR})),
    ("director2", frozenset({FINANCE_DIRECTOR})),
    ("ops", frozenset({OPS_SUPERVISOR})),
    ("ops2", frozenset({OPS_SUPERVISOR})),
    ("reviewer", frozenset({AFTERSALES_REVIEWER})),
    ("processor", frozenset({AFTERSALES_PROCESSOR})),
    ("hr", frozenset({ADMIN_HR})),
    ("admin", frozenset({ADMIN})),
)
"""Seeded when a demo password is configured; all share it."""
