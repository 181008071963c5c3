"""Route rows of rental accounts: deposits, stored value, top-ups, refunds, fund flows.

Roles (DOMAIN.md): agents and duty leads look up accounts, verify customers and top up
at the counter, change a card's state and ask for refunds; changing a deposit is the
operations supervisor's alone; fund flows are read by the front line, supervisors and
finance. Top-ups, refunds and deposit changes move money: they need an Idempotency-Key.
The commands' roles are ``shared.rental_roles.WHO_MAY``, which the service asks too.
"""

from __future__ import annotations

from services.gateway.domain.roles import (
    ACCOUNTANT,
    CASHIER,
    FINANCE_DIRECTOR,
    FRONT_LINE,
    OPS_SUPERVISOR,
)
from services.gateway.domain.route_rule import RENTAL_PREFIX, Audience, RouteRule
from shared.rental_roles import WHO_MAY

READERS = FRONT_LINE | {OPS_SUPERVISOR}
"""Who reads accounts, movements, card history, refunds and receipts."""
FUND_FLOW_READERS = FRONT_LINE | {OPS_SUPERVISOR, CASHIER, ACCOUNTANT, FINANCE_DIRECTOR}


def _accounts(method: str, path: str, roles: frozenset[str], *, money: bool = False) -> RouteRule:
    return RouteRule(
        method, RENTAL_PREFIX + path, "rental", Audience.ROLES, roles, money, prefix=RENTAL_PREFIX
    )


ROUTES: tuple[RouteRule, ...] = (
    _accounts("GET", "/accounts", READERS),
    _accounts("GET", "/accounts/{user_id}", READERS),
    _accounts("GET", "/accounts/{user_id}/movements", READERS),
    _accounts("GET", "/accounts/{user_id}/card-changes", READERS),
    _accounts("POST", "/accounts/{user_id}/card-state", WHO_MAY["change_card_state"]),
    _accounts("POST", "/accounts/{user_id}/deposit", WHO_MAY["change_deposit"], money=True),
    _accounts("GET", "/accounts/{user_id}/refunds", READERS),
    # either kind of refund: the body names it; both are the front line's
    _accounts("POST", "/accounts/{user_id}/refunds", WHO_MAY["refund_deposit"], money=True),
    _accounts("POST", "/topups/codes", FRONT_LINE),
    _accounts("POST", "/topups/identity-checks", FRONT_LINE),
    _accounts("POST", "/topups", WHO_MAY["top_up"], money=True),
    _accounts("GET", "/topups", READERS),
    _accounts("GET", "/topups/{serial_no}", READERS),
    _accounts("GET", "/topups/{serial_no}/receipt.html", READERS),
    _accounts("GET", "/fund-flows", FUND_FLOW_READERS),
    _accounts("GET", "/fund-flows/export.csv", FUND_FLOW_READERS),
)
