"""The SMS log (短信列表): phones masked, codes masked, except in the recorded look-up."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from services.notify.api.common import Cursor, Limit, NotifyDeps
from services.notify.domain.codes import check_phone
from services.notify.domain.errors import SmsNotFound
from services.notify.domain.sms import CodeLookup, SmsMessage
from services.notify.handlers.sms_log import latest_code
from services.notify.store import sms as store
from shared.api.notify import (
    CodeLookupOut,
    CodeLookupPageOut,
    LatestCodeOut,
    ProviderCallOut,
    SmsDetailOut,
    SmsOut,
    SmsPageOut,
    SmsStatus,
)
from shared.http import CurrentActor
from shared.masking import mask_phone
from shared.paging import Position, decode_serial_cursor, page_of

router = APIRouter(tags=["sms"])


def _sms(sms: SmsMessage) -> SmsOut:
    return SmsOut.model_validate(asdict(sms) | {"phone": mask_phone(sms.phone)})


def _sms_position(sms: SmsMessage) -> Position:
    return Position(sms.requested_at, str(sms.id))


def _lookup_position(lookup: CodeLookup) -> Position:
    return Position(lookup.at, str(lookup.id))


@router.get("/sms", response_model=SmsPageOut)
async def list_sms(
    deps: NotifyDeps,
    _actor: CurrentActor,
    phone: str | None = None,
    status: SmsStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> SmsPageOut:
    """The SMS log, newest first, filtered by phone (full number) and status."""
    if phone is not None:
        check_phone(phone)
    rows = await store.page(
        deps.pool,
        phone=phone,
        status=status,
        before_id=decode_serial_cursor(cursor),
        limit=limit + 1,
    )
    page = page_of(rows, limit, _sms_position)
    return SmsPageOut(
        items=[_sms(r) for r in page.items], next_cursor=page.next_cursor, has_more=page.has_more
    )


@router.get("/sms/latest-code", response_model=LatestCodeOut)
async def get_latest_code(deps: NotifyDeps, actor: CurrentActor, phone: str) -> LatestCodeOut:
    """The latest verification code sent to ``phone``, in clear. Every look-up is recorded
    with who asked and when (see ``/sms/code-lookups``)."""
    found = await latest_code(deps, phone=phone, actor=actor.username)
    return LatestCodeOut(
        sms_id=found.sms.id,
        phone=mask_phone(found.sms.phone),
        code=found.code,
        status=found.sms.status.value,
        requested_at=found.sms.requested_at,
        sent_at=found.sms.sent_at,
        code_state=found.code_state,
        looked_up_by=found.lookup.actor,
        looked_up_at=found.lookup.at,
    )


@router.get("/sms/code-lookups", response_model=CodeLookupPageOut)
async def list_code_lookups(
    deps: NotifyDeps,
    _actor: CurrentActor,
    phone: str | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> CodeLookupPageOut:
    """Who looked up which phone's latest code, and when; newest first."""
    rows = await store.lookups(
        deps.pool, phone=phone, before_id=decode_serial_cursor(cursor), limit=limit + 1
    )
    page = page_of(rows, limit, _lookup_position)
    return CodeLookupPageOut(
        items=[
            CodeLookupOut(
                id=r.id,
                actor=r.actor,
                phone=mask_phone(r.phone),
                sms_id=r.sms_id,
                found=r.found,
                trace_id=r.trace_id,
                at=r.at,
            )
            for r in page.items
        ],
        next_cursor=page.next_cursor,
        has_more=page.has_more,
    )


@router.get("/sms/{sms_id}", response_model=SmsDetailOut)
async def get_sms(sms_id: int, deps: NotifyDeps, _actor: CurrentActor) -> SmsDetailOut:
    sms = await store.get(deps.pool, sms_id)
    if sms is None:
        raise SmsNotFound(f"no SMS {sms_id}")
    calls = await store.calls_of(deps.pool, sms_id)
    return SmsDetailOut(
        **_sms(sms).model_dump(),
        calls=[
            ProviderCallOut(
                attempt=c.attempt,
                provider=c.provider,
                accepted=c.accepted,
                permanent=c.permanent,
                answer=c.answer,
                at=c.at,
            )
            for c in calls
        ],
    )
