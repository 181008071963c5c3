"""Refund forms and their approval chain, requested refunds and caps (the refund service)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["refunds"])
