"""The SMS log (短信列表): phones masked, codes masked, except in the recorded look-up."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import asyncpg
from fastapi import APIRouter
from pydantic import BaseModel

from services.notify.api.common import Cursor, Limit, NotifyDeps
from services.notify.domain import cursor as cursors
from services.notify.domain.codes import CodeState, check_phone
from services.notify.domain.errors import SmsNotFound
from services.notify.handlers.sms_log import latest_code
from services.notify.store import sms as store
from shared.http import CurrentActor
from shared.masking import mask_phone

router = APIRouter(tags=["sms"])
Status = Literal["queued", "sending", "sent", "failed", "rejected"]


class SmsItem(BaseModel):
    id: int
    phone: str
    """Masked: 138****8000."""
    template_id: str | None
    text: str | None
    """As sent, with secret parameters (a verification code) masked; null if never rendered."""
    status: Status
    failure: str | None
    """Why it was not sent: rate_limited, template_unknown, template_param_missing,
    providers_unavailable, provider_rejected."""
    failure_detail: str | None
    provider: str | None
    """The provider that accepted it."""
    provider_message_id: str | None
    provider_answer: str | None
    """The providers' answers in the last round."""
    attempts: int
    dedupe_key: str
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    updated_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> SmsItem:
        return cls(
            id=row["id"],
            phone=mask_phone(row["phone"]),
            template_id=row["template_id"],
            text=row["display_text"],
            status=row["status"],
            failure=row["failure"],
            failure_detail=row["failure_detail"],
            provider=row["provider"],
            provider_message_id=row["provider_message_id"],
            provider_answer=row["provider_answer"],
            attempts=row["attempts"],
            dedupe_key=row["dedupe_key"],
            requested_by=row["requested_by"],
            requested_at=row["requested_at"],
            sent_at=row["sent_at"],
            updated_at=row["updated_at"],
        )


class SmsPage(BaseModel):
    items: list[SmsItem]
    next_cursor: str | None


class ProviderCallOut(BaseModel):
    attempt: int
    provider: str
    accepted: bool
    permanent: bool
    answer: str
    at: datetime


class SmsDetail(SmsItem):
    calls: list[ProviderCallOut]
    """Every call to a provider, in order: the failover and retry story."""


class LatestCodeOut(BaseModel):
    sms_id: int
    phone: str
    code: str
    """In clear: read it to the user who did not receive the SMS."""
    status: Status
    """Whether the SMS itself went out."""
    requested_at: datetime
    sent_at: datetime | None
    code_state: CodeState | None
    """active, used, expired, exhausted or superseded; null for a code issued elsewhere."""
    looked_up_by: str
    looked_up_at: datetime


class CodeLookupOut(BaseModel):
    id: int
    actor: str
    phone: str
    sms_id: int | None
    found: bool
    trace_id: str | None
    at: datetime


class CodeLookupPage(BaseModel):
    items: list[CodeLookupOut]
    next_cursor: str | None


@router.get("/sms", response_model=SmsPage)
async def list_sms(
    deps: NotifyDeps,
    _actor: CurrentActor,
    phone: str | None = None,
    status: Status | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SmsPage:
    """The SMS log, newest first, filtered by phone (full number) and status."""
    if phone is not None:
        check_phone(phone)
    rows = await store.page(
        deps.pool, phone=phone, status=status, before_id=cursors.decode(cursor), limit=limit
    )
    return SmsPage(
        items=[SmsItem.of(r) for r in rows],
        next_cursor=cursors.next_cursor([r["id"] for r in rows], limit),
    )


@router.get("/sms/latest-code", response_model=LatestCodeOut)
async def get_latest_code(deps: NotifyDeps, actor: CurrentActor, phone: str) -> LatestCodeOut:
    """The latest verification code sent to ``phone``, in clear. Every look-up is recorded
    with who asked and when (see ``/sms/code-lookups``)."""
    found = await latest_code(deps, phone=phone, actor=actor.username)
    return LatestCodeOut(
        sms_id=found.sms["id"],
        phone=mask_phone(found.sms["phone"]),
        code=found.code,
        status=found.sms["status"],
        requested_at=found.sms["requested_at"],
        sent_at=found.sms["sent_at"],
        code_state=found.code_state,
        looked_up_by=found.lookup["actor"],
        looked_up_at=found.lookup["at"],
    )


@router.get("/sms/code-lookups", response_model=CodeLookupPage)
async def list_code_lookups(
    deps: NotifyDeps,
    _actor: CurrentActor,
    phone: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CodeLookupPage:
    """Who looked up which phone's latest code, and when; newest first."""
    rows = await store.lookups(
        deps.pool, phone=phone, before_id=cursors.decode(cursor), limit=limit
    )
    return CodeLookupPage(
        items=[
            CodeLookupOut(
                id=r["id"],
                actor=r["actor"],
                phone=mask_phone(r["phone"]),
                sms_id=r["sms_id"],
                found=r["found"],
                trace_id=r["trace_id"],
                at=r["at"],
            )
            for r in rows
        ],
        next_cursor=cursors.next_cursor([r["id"] for r in rows], limit),
    )


@router.get("/sms/{sms_id}", response_model=SmsDetail)
async def get_sms(sms_id: int, deps: NotifyDeps, _actor: CurrentActor) -> SmsDetail:
    row = await store.get(deps.pool, sms_id)
    if row is None:
        raise SmsNotFound(f"no SMS {sms_id}")
    calls = await store.calls_of(deps.pool, sms_id)
    return SmsDetail(
        **SmsItem.of(row).model_dump(),
        calls=[
            ProviderCallOut(
                attempt=c["attempt"],
                provider=c["provider"],
                accepted=c["accepted"],
                permanent=c["permanent"],
                answer=c["answer"],
                at=c["at"],
            )
            for c in calls
        ],
    )
