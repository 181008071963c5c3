"""After-sales tickets, sellers' activations, shift handovers, refund reports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["aftersales"])
