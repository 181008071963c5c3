"""The SMS log as staff see it, and the recorded look-up of the latest verification code."""

from __future__ import annotations

from dataclasses import dataclass

from services.notify.deps import Deps
from services.notify.domain.codes import CodeState, check_phone
from services.notify.domain.errors import NoCodeSent
from services.notify.domain.sms import CodeLookup, SmsMessage
from services.notify.store import codes as code_store
from services.notify.store import sms as store
from shared.contracts import NOTIFY_SMS_REQUESTED
from shared.sealing import open_sealed
from shared.telemetry import current_trace_id


@dataclass(frozen=True)
class LatestCode:
    sms: SmsMessage
    code: str
    code_state: CodeState | None
    """The code's state where this service issued it (None for a code from elsewhere)."""
    lookup: CodeLookup


async def latest_code(deps: Deps, *, phone: str, actor: str) -> LatestCode:
    """The latest verification code sent to ``phone``, in clear (opened here from its sealed
    box); the look-up is recorded (who, when) whether or not a code was found."""
    check_phone(phone)
    async with deps.unit() as uow:
        sms = await store.latest_code_sms(uow.conn, phone)
        lookup = await store.record_lookup(
            uow.conn,
            actor=actor,
            phone=phone,
            sms_id=sms.id if sms is not None else None,
            trace_id=current_trace_id(),
        )
    if sms is None:
        raise NoCodeSent("no verification code was sent to this phone")
    issued = await code_store.by_sms_dedupe_key(deps.pool, sms.dedupe_key)
    state = issued.state(deps.clock()) if issued is not None else None
    return LatestCode(sms, _code(deps, sms.sealed_params), state, lookup)


def _code(deps: Deps, sealed: str | None) -> str:
    """The code, from the request's box sealed to this service's key (the log keeps it no
    other way); empty for a code logged before codes were kept sealed."""
    if sealed is None:
        return ""
    return str(open_sealed(sealed, deps.seal_key, topic=NOTIFY_SMS_REQUESTED.name).get("code", ""))
