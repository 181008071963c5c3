"""The caller's roles as part of every rule: an action is offered, and accepted, only for
the roles ``shared.rental_roles.WHO_MAY`` gives it."""

from __future__ import annotations

from shared.errors import Forbidden
from shared.rental_roles import WHO_MAY


class RoleRequired(Forbidden):
    code = "role_required"


def role_refusal(action: str, roles: frozenset[str]) -> RoleRequired | None:
    allowed = WHO_MAY[action]
    if roles & allowed:
        return None
    return RoleRequired(f"{action} is for {', '.join(sorted(allowed))}; nothing was changed")
