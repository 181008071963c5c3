"""The gateway's public HTTP API, one module per area."""

from __future__ import annotations

from fastapi import APIRouter

from services.gateway.api import admin, auth, health, points, vouchers

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    auth.router,
    vouchers.router,
    points.router,
    admin.router,
)
