"""The roles of DOMAIN.md's roles table, and the demo accounts ``kefu up`` seeds."""

from __future__ import annotations

AGENT = "agent"
DUTY_LEAD = "duty_lead"
ADMIN = "admin"

KNOWN_ROLES = frozenset(
    {
        AGENT,
        DUTY_LEAD,
        "tech",
        "cashier",
        "accountant",
        "finance_director",
        "ops_supervisor",
        "aftersales_reviewer",
        "aftersales_processor",
        ADMIN,
    }
)

FRONT_LINE = frozenset({AGENT, DUTY_LEAD})
"""Search everything, void, reverse: the agent's rights, which a duty lead also has."""

DEMO_ACCOUNTS: tuple[tuple[str, frozenset[str]], ...] = (
    ("agent", frozenset({AGENT})),
    ("lead", frozenset({DUTY_LEAD})),
    ("admin", frozenset({ADMIN})),
)
"""Seeded when a demo password is configured; all share it."""
