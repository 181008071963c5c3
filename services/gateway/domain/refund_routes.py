"""Route rows of the refund service: refund forms, their approval chain, requested refunds.

Each review step is its own route, so the table itself says which role decides it
(DOMAIN.md's roles); the refund service checks the same again, with separation of
duties (one person, one step of a form) which only it can know.
"""

from __future__ import annotations

from services.gateway.domain.roles import (
    ACCOUNTANT,
    ADMIN_HR,
    AGENT,
    CASHIER,
    DUTY_LEAD,
    FINANCE_DIRECTOR,
    OPS_SUPERVISOR,
    TECH,
)
from services.gateway.domain.route_rule import REFUNDS_PREFIX, Audience, RouteRule

FILERS = frozenset({AGENT, DUTY_LEAD})
FINANCE = frozenset({CASHIER, ACCOUNTANT, FINANCE_DIRECTOR})
FORM_READERS = FILERS | FINANCE | {TECH}
"""Everyone a form passes through reads it."""
PAYOUT_RETRIERS = frozenset({CASHIER, FINANCE_DIRECTOR})
CLOSERS = FINANCE | {DUTY_LEAD}
"""A sent-back form is closed for good (不予处理) by finance or the duty lead it came back to."""
REQUESTED_READERS = FILERS | FINANCE | {OPS_SUPERVISOR}
SUPERVISORS = frozenset({OPS_SUPERVISOR})
HEADS = frozenset({DUTY_LEAD, FINANCE_DIRECTOR})
"""The departments' heads approve their monthly statistics (the service checks which)."""
OFFICE = frozenset({ADMIN_HR})
"""行政人事部 verifies, returns, archives and follows up the monthly statistics."""
STATISTICS_READERS = frozenset({DUTY_LEAD}) | FINANCE | OFFICE


def _refunds(method: str, path: str, roles: frozenset[str], *, money: bool = False) -> RouteRule:
    return RouteRule(method, REFUNDS_PREFIX + path, "refund", Audience.ROLES, roles, money)


_FORM = "/forms/{form_id}"
_STATISTICS = "/reports/monthly-statistics/{month}/{department}"
ROUTES: tuple[RouteRule, ...] = (
    _refunds("POST", "/forms", FILERS),
    _refunds("GET", "/forms", FORM_READERS),
    _refunds("GET", "/forms/queue", FORM_READERS),
    _refunds("GET", _FORM, FORM_READERS),
    _refunds("POST", f"{_FORM}/lead-check", frozenset({DUTY_LEAD})),
    _refunds("POST", f"{_FORM}/tech-verification", frozenset({TECH})),
    _refunds("POST", f"{_FORM}/finance-submission", frozenset({DUTY_LEAD})),
    _refunds("POST", f"{_FORM}/cashier-check", frozenset({CASHIER})),
    _refunds("POST", f"{_FORM}/accountant-review", frozenset({ACCOUNTANT})),
    # the last approval releases the money: the payout follows at once
    _refunds("POST", f"{_FORM}/director-approval", frozenset({FINANCE_DIRECTOR}), money=True),
    # above the threshold, another finance director releases the money
    _refunds("POST", f"{_FORM}/second-approval", frozenset({FINANCE_DIRECTOR}), money=True),
    _refunds("POST", f"{_FORM}/resubmit", FILERS),
    _refunds("POST", f"{_FORM}/customer-wait", FILERS),
    _refunds("POST", f"{_FORM}/close", CLOSERS),
    _refunds("POST", f"{_FORM}/payout-retry", PAYOUT_RETRIERS, money=True),
    _refunds("GET", "/payouts/attention", FINANCE | SUPERVISORS),
    _refunds("GET", "/requested", REQUESTED_READERS),
    _refunds("GET", "/requested/{refund_id}", REQUESTED_READERS),
    _refunds("POST", "/requested/{refund_id}/approve", SUPERVISORS, money=True),
    _refunds("POST", "/requested/{refund_id}/reject", SUPERVISORS),
    _refunds("POST", "/requested/{refund_id}/payout-retry", SUPERVISORS, money=True),
    # gives the day's caps the amount back and tells the requester: once only
    _refunds("POST", "/requested/{refund_id}/give-up", SUPERVISORS, money=True),
    _refunds("GET", "/policy", FINANCE | SUPERVISORS),
    _refunds("PUT", "/policy", SUPERVISORS),
    _refunds("GET", "/reports/monthly-statistics", STATISTICS_READERS),
    _refunds("GET", _STATISTICS, STATISTICS_READERS),
    _refunds("POST", f"{_STATISTICS}/approve", HEADS),
    _refunds("POST", f"{_STATISTICS}/return", OFFICE),
    _refunds("POST", f"{_STATISTICS}/verify", OFFICE),
    _refunds("POST", f"{_STATISTICS}/archive", OFFICE),
    _refunds("POST", f"{_STATISTICS}/follow-ups", OFFICE),
)
