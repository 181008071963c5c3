"""The gateway's public HTTP API, one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.api import (
    admin,
    auth,
    health,
    notify_announcements,
    notify_inbox,
    notify_sms,
    points,
    vouchers,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    vouchers.router,
    points.router,
    notify_sms.router,
    notify_inbox.router,
    notify_announcements.router,
    admin.router,
)
