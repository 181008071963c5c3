"""Rental accounts: deposits, stored value, top-ups, receipts, refunds, fund flows."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["rental accounts"])
