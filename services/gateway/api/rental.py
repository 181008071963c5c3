"""Rental users, blacklist, rental orders, feedback, insurance, the user guide, daily statistics.

Every route forwards to the rental service under the same path minus ``/api/v1/rental``.
The models are the service's own (``shared/api/rental.py``); they document and do not
filter: the service's JSON is passed on as it came.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from services.gateway.api.models import errors
from services.gateway.calls import Call
from shared.api.rental import (
    BikeDetailOut,
    DailyStatisticsOut,
    DecisionOut,
    DecisionPageOut,
    DecisionStatus,
    ExceptionFixIn,
    ExceptionFixOut,
    GuideIn,
    GuideOut,
    GuideVersionsOut,
    OrderStatus,
    RentalOrderDetailOut,
    RentalOrderPageOut,
    RentalReasonIn,
    RentalUserDetailOut,
    RentalUserOut,
    RentalUserPageOut,
    StatusFixIn,
    UserStatus,
)

router = APIRouter(tags=["rental"])

Limit = Annotated[int | None, Query(ge=1, le=200, description="Page size (default 50)")]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]
Time = Annotated[datetime | None, Query(description="ISO 8601 with a time zone")]


P = "/api/v1/rental"
READ = errors(401, 403, 422, 503)
ONE = errors(401, 403, 404, 422, 503)
COMMAND = errors(401, 403, 404, 409, 422, 503)


# --- users -------------------------------------------------------------------


Phone = Annotated[
    str | None,
    Query(
        description="The whole phone number, or its last four digits",
        examples=["13800138000", "8000"],
    ),
]
Name = Annotated[
    str | None,
    Query(description="The beginning of the registered name: a surname, or more", examples=["张"]),
]


@router.get(f"{P}/users", responses={200: {"model": RentalUserPageOut}, **READ})
async def search_users(
    call: Call,
    phone: Phone = None,
    name: Name = None,
    user_id: str | None = None,
    status: UserStatus | None = None,
    registered_from: Time = None,
    registered_before: Time = None,
    blacklisted: bool | None = None,
    deleted: Annotated[
        Literal["exclude", "only", "include"] | None,
        Query(description="Soft-deleted users: left out (default), only, or both"),
    ] = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Users (用户列表), newest registration first; every filter combinable; phones masked."""
    return await call.forward()


@router.get(f"{P}/users/{{user_id}}", responses={200: {"model": RentalUserDetailOut}, **ONE})
async def user_detail(user_id: str, call: Call) -> Response:
    """One user: rental state, blacklist, deletion, latest order, the agents' records."""
    return await call.forward()


@router.get(f"{P}/users/{{user_id}}/rentals", responses={200: {"model": RentalOrderPageOut}, **ONE})
async def user_rentals(
    user_id: str, call: Call, limit: Limit = None, cursor: Cursor = None
) -> Response:
    """Rental detail (租赁详情): the user's orders with the rental points' coordinates."""
    return await call.forward()


@router.post(f"{P}/users/{{user_id}}/status", responses={200: {"model": RentalUserOut}, **COMMAND})
async def fix_user_status(user_id: str, body: StatusFixIn, call: Call) -> Response:
    """Fix the user's status (renting / temporarily returned / idle), only against the user's
    latest order (409 ``not_latest_order``) and, while it is open, only when its bike's lock
    reported locked or the bike is rented by someone else (409 ``lock_not_locked``)."""
    return await call.forward(body)


@router.post(
    f"{P}/users/{{user_id}}/blacklist", responses={200: {"model": RentalUserOut}, **COMMAND}
)
async def blacklist_user(user_id: str, body: RentalReasonIn, call: Call) -> Response:
    """Blacklist (拉黑) with a reason: the platform refuses the user's new trips
    (``rental.user.blacklisted.v1``); 409 ``already_blacklisted``."""
    return await call.forward(body)


@router.post(
    f"{P}/users/{{user_id}}/blacklist/restore",
    responses={200: {"model": RentalUserOut}, **COMMAND},
)
async def restore_from_blacklist(user_id: str, body: RentalReasonIn, call: Call) -> Response:
    """Restore from the blacklist with a reason (``rental.user.restored.v1``)."""
    return await call.forward(body)


@router.post(f"{P}/users/{{user_id}}/delete", responses={200: {"model": RentalUserOut}, **COMMAND})
async def delete_user(user_id: str, body: RentalReasonIn, call: Call) -> Response:
    """Soft delete (recoverable); refused while the user rents (409 ``user_renting``)."""
    return await call.forward(body)


@router.post(f"{P}/users/{{user_id}}/restore", responses={200: {"model": RentalUserOut}, **COMMAND})
async def restore_user(user_id: str, body: RentalReasonIn, call: Call) -> Response:
    """Undo a soft delete."""
    return await call.forward(body)


@router.get(f"{P}/blacklist", responses={200: {"model": RentalUserPageOut}, **READ})
async def blacklist(call: Call, limit: Limit = None, cursor: Cursor = None) -> Response:
    """The blacklist (黑名单), most recently blacklisted first."""
    return await call.forward()


# --- rental orders -----------------------------------------------------------


@router.get(f"{P}/orders", responses={200: {"model": RentalOrderPageOut}, **READ})
async def list_orders(
    call: Call,
    phone: Phone = None,
    user_id: str | None = None,
    bike_id: str | None = None,
    status: OrderStatus | None = None,
    started_from: Time = None,
    started_before: Time = None,
    ended_from: Time = None,
    ended_before: Time = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Rental orders (租赁订单列表), newest first. Today's returns: ``ended_from`` today's
    midnight, ``status=ended`` (a trip is found by its end when it started at most 31 days
    before)."""
    return await call.forward()


@router.get(f"{P}/bikes/{{bike_id}}", responses={200: {"model": BikeDetailOut}, **ONE})
async def bike(bike_id: str, call: Call) -> Response:
    """A bike by its number (车辆编号): status, its lock's last report, the order holding it
    now and its latest order (404 ``bike_not_found``)."""
    return await call.forward()


@router.get(f"{P}/orders/{{trip_id}}", responses={200: {"model": RentalOrderDetailOut}, **ONE})
async def order_detail(trip_id: str, call: Call) -> Response:
    """An order with its bike's status and last lock report, and its exception fixes."""
    return await call.forward()


@router.post(
    f"{P}/orders/{{trip_id}}/exception-fix",
    responses={200: {"model": ExceptionFixOut}, **errors(400, 401, 403, 404, 409, 422, 503)},
)
async def exception_fix(trip_id: str, body: ExceptionFixIn, call: Call) -> Response:
    """The exception fix (lock will not close, lock fault, trip cannot end): ends the order at
    the time the user reports, bike and user idle, the charge recomputed. Refused (409
    ``lock_not_locked``) unless the lock reported locked or the bike is rented by someone
    else: then send on-site staff. Needs an Idempotency-Key."""
    return await call.forward(body)


# --- feedback and insurance applications -------------------------------------


Status = Annotated[DecisionStatus | None, Query(description="Only these")]


@router.get(f"{P}/feedback", responses={200: {"model": DecisionPageOut}, **READ})
async def list_feedback(
    call: Call,
    status: Status = None,
    user_id: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Feedback (反馈列表), newest first."""
    return await call.forward()


@router.get(f"{P}/feedback/{{feedback_id}}", responses={200: {"model": DecisionOut}, **ONE})
async def feedback_detail(feedback_id: str, call: Call) -> Response:
    return await call.forward()


@router.post(
    f"{P}/feedback/{{feedback_id}}/accept", responses={200: {"model": DecisionOut}, **COMMAND}
)
async def accept_feedback(feedback_id: str, body: RentalReasonIn, call: Call) -> Response:
    """Accept; the user is told in-app (reason optional)."""
    return await call.forward(body)


@router.post(
    f"{P}/feedback/{{feedback_id}}/reject", responses={200: {"model": DecisionOut}, **COMMAND}
)
async def reject_feedback(feedback_id: str, body: RentalReasonIn, call: Call) -> Response:
    """Reject with a reason (required); the user reads it in-app."""
    return await call.forward(body)


@router.get(f"{P}/insurance-applications", responses={200: {"model": DecisionPageOut}, **READ})
async def list_applications(
    call: Call,
    status: Status = None,
    user_id: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """Insurance applications (保险申请列表), newest first."""
    return await call.forward()


@router.get(
    f"{P}/insurance-applications/{{application_id}}",
    responses={200: {"model": DecisionOut}, **ONE},
)
async def application_detail(application_id: str, call: Call) -> Response:
    return await call.forward()


@router.post(
    f"{P}/insurance-applications/{{application_id}}/accept",
    responses={200: {"model": DecisionOut}, **COMMAND},
)
async def accept_application(application_id: str, body: RentalReasonIn, call: Call) -> Response:
    return await call.forward(body)


@router.post(
    f"{P}/insurance-applications/{{application_id}}/reject",
    responses={200: {"model": DecisionOut}, **COMMAND},
)
async def reject_application(application_id: str, body: RentalReasonIn, call: Call) -> Response:
    return await call.forward(body)


# --- the user guide and daily statistics -------------------------------------


@router.get(f"{P}/guide", responses={200: {"model": GuideOut}, **ONE})
async def current_guide(call: Call) -> Response:
    """The user guide (用户指南) users see now."""
    return await call.forward()


@router.put(f"{P}/guide", responses={200: {"model": GuideOut}, **COMMAND})
async def save_guide(body: GuideIn, call: Call) -> Response:
    """Save a new version (409 ``guide_version_conflict`` if ``based_on`` is not the latest)."""
    return await call.forward(body)


@router.get(f"{P}/guide/versions", responses={200: {"model": GuideVersionsOut}, **READ})
async def guide_versions(
    call: Call,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response:
    """The guide's saved versions, newest first."""
    return await call.forward()


@router.get(f"{P}/guide/versions/{{version}}", responses={200: {"model": GuideOut}, **ONE})
async def guide_version(version: int, call: Call) -> Response:
    return await call.forward()


@router.get(f"{P}/statistics/daily", responses={200: {"model": DailyStatisticsOut}, **READ})
async def daily_statistics(
    call: Call,
    from_: Annotated[date, Query(alias="from", description="First local day")],
    to: Annotated[date, Query(description="Last local day, inclusive (at most 366 days)")],
) -> Response:
    """Daily rentals (租借信息), final returns (还车信息; a temporary return is not one) and new
    users (用户统计)."""
    return await call.forward()
