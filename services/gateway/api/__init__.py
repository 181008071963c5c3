"""The gateway's public HTTP API, one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.api import (
    account,
    admin,
    aftersales,
    auth,
    health,
    notify_announcements,
    notify_inbox,
    notify_sms,
    points,
    refunds,
    rental,
    rental_accounts,
    vouchers,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    account.router,
    vouchers.router,
    points.router,
    notify_sms.router,
    notify_inbox.router,
    notify_announcements.router,
    refunds.router,
    aftersales.router,
    rental.router,
    rental_accounts.router,
    admin.router,
)
