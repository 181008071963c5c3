"""The notify service's internal HTTP API: the gateway forwards ``/api/v1/notify/...`` here."""

from fastapi import APIRouter

from services.notify.api import announcements, codes, inbox, sms
from shared import health

router = APIRouter()
for part in (health, sms, codes, inbox, announcements):
    router.include_router(part.router)

__all__ = ["router"]
