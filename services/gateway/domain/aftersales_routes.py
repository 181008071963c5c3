"""Route rows of after-sales tickets, activations, shift handovers and refund reports.

Review and processing of tickets are separate permissions (seed 002): the table says
which role does which, and the refund service checks the same again.
"""

from __future__ import annotations

from services.gateway.domain.roles import (
    ACCOUNTANT,
    ADMIN_HR,
    AFTERSALES_PROCESSOR,
    AFTERSALES_REVIEWER,
    AGENT,
    CASHIER,
    DUTY_LEAD,
    FINANCE_DIRECTOR,
    OPS_SUPERVISOR,
)
from services.gateway.domain.route_rule import (
    AFTERSALES_PREFIX,
    REFUNDS_PREFIX,
    Audience,
    RouteRule,
)

REVIEWERS = frozenset({AFTERSALES_REVIEWER})
PROCESSORS = frozenset({AFTERSALES_PROCESSOR})
SELLER_STAFF = REVIEWERS | PROCESSORS
"""A seller's after-sales staff apply for (and correct) the self-service activation."""
ACTIVATION_REVIEWERS = frozenset({OPS_SUPERVISOR})
ACTIVATION_READERS = SELLER_STAFF | ACTIVATION_REVIEWERS
TICKET_OPENERS = frozenset({AGENT, DUTY_LEAD})
"""Customer service opens a ticket for the customer who asks."""
TICKET_READERS = TICKET_OPENERS | SELLER_STAFF
DUTY_LEADS = frozenset({DUTY_LEAD})
FINANCE = frozenset({CASHIER, ACCOUNTANT, FINANCE_DIRECTOR})


def _aftersales(method: str, path: str, roles: frozenset[str]) -> RouteRule:
    return RouteRule(method, AFTERSALES_PREFIX + path, "refund", Audience.ROLES, roles)


def _refunds(method: str, path: str, roles: frozenset[str]) -> RouteRule:
    return RouteRule(method, REFUNDS_PREFIX + path, "refund", Audience.ROLES, roles)


_TICKET = "/tickets/{ticket_id}"
ROUTES: tuple[RouteRule, ...] = (
    _aftersales("POST", "/activations", SELLER_STAFF),
    _aftersales("GET", "/activations", ACTIVATION_READERS),
    _aftersales("GET", "/activations/{seller_id}", ACTIVATION_READERS),
    _aftersales("POST", "/activations/{seller_id}/review", ACTIVATION_REVIEWERS),
    _aftersales("GET", "/regions", ACTIVATION_READERS),
    _aftersales("POST", "/tickets", TICKET_OPENERS),
    _aftersales("GET", "/tickets", TICKET_READERS),
    _aftersales("GET", "/tickets/overdue", TICKET_READERS),
    _aftersales("POST", "/tickets/review-batch", REVIEWERS),
    _aftersales("GET", _TICKET, TICKET_READERS),
    _aftersales("POST", f"{_TICKET}/review", REVIEWERS),
    _aftersales("POST", f"{_TICKET}/receive", PROCESSORS),
    _aftersales("POST", f"{_TICKET}/process", PROCESSORS),
    _aftersales("POST", f"{_TICKET}/images", TICKET_READERS),
    _aftersales("GET", f"{_TICKET}/images", TICKET_READERS),
    _aftersales("GET", f"{_TICKET}/images/{{image_id}}", TICKET_READERS),
    _aftersales("GET", "/sellers/{seller_id}/quality", ACTIVATION_READERS),
    # A seller's main account (a seller staff account) manages its staff; the service
    # checks it is the main account (seed 002: 主账号进行员工权限配置).
    _aftersales("GET", "/sellers/{seller_id}/staff", ACTIVATION_READERS),
    _aftersales("PUT", "/sellers/{seller_id}/staff/{username}", SELLER_STAFF),
    _refunds("POST", "/handovers", DUTY_LEADS),
    _refunds("GET", "/handovers", DUTY_LEADS),
    _refunds("GET", "/handovers/{handover_id}", DUTY_LEADS),
    _refunds("POST", "/handovers/{handover_id}/acknowledge", DUTY_LEADS),
    _refunds("GET", "/reports/daily-faults", DUTY_LEADS | FINANCE),
    _refunds("GET", "/reports/daily-faults.csv", DUTY_LEADS | FINANCE),
    # the admin/HR office verifies both departments' tables (seed 003)
    _refunds("GET", "/reports/service-monthly", DUTY_LEADS | {ADMIN_HR}),
    _refunds("GET", "/reports/service-monthly.csv", DUTY_LEADS | {ADMIN_HR}),
    _refunds("GET", "/reports/finance-monthly", FINANCE | {ADMIN_HR}),
    _refunds("GET", "/reports/finance-monthly.csv", FINANCE | {ADMIN_HR}),
)
