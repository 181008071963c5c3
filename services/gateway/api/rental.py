"""Rental users, blacklist, rental orders, feedback, insurance, the user guide, daily statistics."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["rental"])
