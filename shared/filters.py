"""Every list refuses a query parameter its route does not declare (422 ``unknown_filter``).

An app-wide dependency of ``shared.http.make_app``, so every service and the gateway
refuse the same way.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.errors import InvalidInput


class UnknownFilter(InvalidInput):
    code = "unknown_filter"


_ALLOWED: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared_query(route: APIRoute) -> frozenset[str]:
    allowed = _ALLOWED.get(id(route))
    if allowed is None:
        allowed = _ALLOWED[id(route)] = frozenset(_query_names(route.dependant))
    return allowed


async def reject_unknown_filters(request: Request) -> None:
    """An app-wide dependency: a query parameter the route does not declare is refused.

    Ignoring it would answer everyone's records to a caller who meant to filter
    (``?phone=`` on a list that has no phone filter), and that answer is taken for
    the customer's.
    """
    route = request.scope.get("route")
    # pages outside the API document (the console's deep links, /docs) keep their query
    # for the browser: /vouchers?phone=... is the console's search, not a list call
    if not isinstance(route, APIRoute) or not route.include_in_schema:
        return
    unknown = sorted(set(request.query_params.keys()) - _declared_query(route))
    if unknown:
        raise UnknownFilter(
            f"unknown filter: {', '.join(unknown)}; this list accepts "
            f"{', '.join(sorted(_declared_query(route))) or 'no filters'}"
        )
