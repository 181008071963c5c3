"""Action flags that say what the service will allow: each flag is the command's own rule.

A list or detail offers an action when the rule its command runs (pure, no I/O) passes
for this caller and this record, and not otherwise: the flag and the refusal are one
function, so a button shown is never answered 403 or 409, and a button hidden is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from shared.errors import DomainError


def offered(rules: Mapping[str, Callable[[], object]]) -> list[str]:
    """The actions whose rule passes, in the order given (a refused rule raises)."""
    allowed = []
    for action, rule in rules.items():
        try:
            rule()
        except DomainError:
            continue
        allowed.append(action)
    return allowed
