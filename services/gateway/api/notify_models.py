"""Request bodies and answer shapes of the notify service's routes, for the OpenAPI document.

As in :mod:`services.gateway.api.models`, the answer models document and do not
filter: the notify service's JSON is passed on as it came.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SmsStatus = Literal["queued", "sending", "sent", "failed", "rejected"]
AnnouncementStatus = Literal["draft", "online", "offline"]


class _Documented(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- bodies ------------------------------------------------------------------


class CodeRequestIn(BaseModel):
    phone: str = Field(examples=["13800138000"])
    purpose: str = Field(
        default="login",
        description="What the code proves (login, top_up, ...): checked only for it",
        examples=["login"],
    )


class CodeCheckIn(CodeRequestIn):
    code: str = Field(description="The code the customer read out", examples=["493817"])


class AnnouncementIn(BaseModel):
    title: str = Field(examples=["春节期间服务时间调整"])
    body: str = Field(examples=["2月4日至2月10日客服热线服务时间为9:00-18:00。"])
    publish_at: AwareDatetime | None = Field(
        default=None, description="Put it online at this time (once), with a time zone"
    )
    withdraw_at: AwareDatetime | None = Field(
        default=None, description="Take it offline at this time (once)"
    )


# --- the SMS log and verification codes --------------------------------------


class SmsOut(_Documented):
    id: int
    phone: str = Field(description="Masked: 138****8000")
    template_id: str | None
    text: str | None = Field(description="As sent, a verification code masked")
    status: SmsStatus
    failure: str | None = Field(
        description="rate_limited, template_unknown, template_param_missing,"
        " message_too_long, providers_unavailable or provider_rejected"
    )
    failure_detail: str | None
    provider: str | None
    provider_message_id: str | None
    provider_answer: str | None
    attempts: int
    dedupe_key: str
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    updated_at: datetime


class SmsPageOut(_Documented):
    items: list[SmsOut] = Field(description="Newest first")
    next_cursor: str | None


class ProviderCallOut(_Documented):
    attempt: int
    provider: str
    accepted: bool
    permanent: bool
    answer: str
    at: datetime


class SmsDetailOut(SmsOut):
    calls: list[ProviderCallOut] = Field(description="Every provider call: failover and retries")


class LatestCodeOut(_Documented):
    sms_id: int
    phone: str
    code: str = Field(description="In clear, to read to the customer; this look-up is recorded")
    status: SmsStatus
    requested_at: datetime
    sent_at: datetime | None
    code_state: Literal["active", "used", "expired", "exhausted", "superseded"] | None
    looked_up_by: str
    looked_up_at: datetime


class CodeLookupOut(_Documented):
    id: int
    actor: str
    phone: str
    sms_id: int | None
    found: bool
    trace_id: str | None
    at: datetime


class CodeLookupPageOut(_Documented):
    items: list[CodeLookupOut] = Field(description="Newest first")
    next_cursor: str | None


class CodeIssuedOut(_Documented):
    id: str
    phone: str
    purpose: str
    issued_at: datetime
    expires_at: datetime
    attempts_allowed: int
    sms_dedupe_key: str


class CodeCheckOut(_Documented):
    valid: bool
    reason: Literal["mismatch", "expired", "attempts_exhausted", "used", "no_code"] | None
    attempts_left: int


# --- inboxes -----------------------------------------------------------------


class InboxMessageOut(_Documented):
    id: int
    title: str | None
    body: str
    template_id: str | None
    created_at: datetime
    read: bool
    read_at: datetime | None


class InboxPageOut(_Documented):
    recipient: str
    kind: Literal["user", "staff"]
    unread: int
    items: list[InboxMessageOut] = Field(description="Newest first")
    next_cursor: str | None


class UnreadCountOut(_Documented):
    recipient: str
    kind: Literal["user", "staff"]
    unread: int


class MarkedReadOut(_Documented):
    marked: int


# --- announcements -----------------------------------------------------------


class AnnouncementOut(_Documented):
    id: int
    title: str
    body: str
    status: AnnouncementStatus
    publish_at: datetime | None
    withdraw_at: datetime | None
    published_at: datetime | None
    withdrawn_at: datetime | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime
    actions: list[Literal["edit", "publish", "withdraw"]] = Field(
        description="The buttons it shows: edit only while not online"
    )


class AnnouncementHistoryOut(_Documented):
    action: str
    actor: str
    at: datetime
    title: str
    body: str


class AnnouncementDetailOut(AnnouncementOut):
    history: list[AnnouncementHistoryOut] = Field(description="Who did what, when")


class AnnouncementPageOut(_Documented):
    items: list[AnnouncementOut] = Field(description="Newest first")
    next_cursor: str | None


class BoardItemOut(_Documented):
    id: int
    title: str
    body: str
    published_at: datetime


class BoardOut(_Documented):
    items: list[BoardItemOut] = Field(description="What the front page shows now, newest first")


# --- query parameters, passed on as given (the notify service validates) ------

Limit = Annotated[
    int | None, Query(ge=1, le=200, description="Page size (default 50, at most 200)")
]
Cursor = Annotated[str | None, Query(description="The next_cursor of the previous page")]
