"""The notify service's HTTP bodies and answers: the SMS log, verification codes, inboxes
and announcements.

The notify service validates and answers with these; the gateway declares them for its
OpenAPI document and passes the service's JSON on as it came.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.api.base import ApiModel, BodyModel
from shared.paging import PageOut
from shared.timestamps import Timestamp
from shared.verification import CheckFailure, CodeState

SmsStatus = Literal["queued", "sending", "sent", "failed", "rejected"]
AnnouncementStatus = Literal["draft", "online", "offline"]
AnnouncementAction = Literal["edit", "publish", "withdraw", "schedule"]
InboxKind = Literal["user", "staff"]
Purpose = Annotated[str, Field(min_length=1, max_length=32, examples=["login", "top_up"])]


# --- bodies ------------------------------------------------------------------


class CodeRequestIn(BodyModel):
    phone: str = Field(examples=["13800138000"])
    purpose: Purpose = Field(
        default="login",
        description="What the code proves (login, top_up, ...): checked only for it",
    )


class CodeCheckIn(CodeRequestIn):
    code: Annotated[str, Field(min_length=1, max_length=12)] = Field(
        description="The code the customer read out", examples=["493817"]
    )


class AnnouncementIn(BodyModel):
    title: str = Field(examples=["春节期间服务时间调整"])
    body: str = Field(examples=["2月4日至2月10日客服热线服务时间为9:00-18:00。"])
    publish_at: AwareDatetime | None = Field(
        default=None, description="Put it online at this time (once), with a time zone"
    )
    withdraw_at: AwareDatetime | None = Field(
        default=None, description="Take it offline at this time (once)"
    )


class AnnouncementScheduleIn(BodyModel):
    publish_at: AwareDatetime | None = Field(
        default=None, description="Put it online at this time (once); not for one online"
    )
    withdraw_at: AwareDatetime | None = Field(
        default=None, description="Take it offline at this time (once)"
    )


# --- the SMS log and verification codes --------------------------------------


class SmsOut(ApiModel):
    id: int
    phone: str = Field(description="Masked: 138****8000")
    template_id: str | None
    text: str | None = Field(
        description="As sent, a verification code masked; null if never rendered"
    )
    status: SmsStatus
    failure: str | None = Field(
        description="rate_limited, template_unknown, template_param_missing,"
        " message_too_long, providers_unavailable or provider_rejected"
    )
    failure_detail: str | None
    provider: str | None = Field(description="The provider that accepted it")
    provider_message_id: str | None
    provider_answer: str | None = Field(description="The providers' answers in the last round")
    attempts: int
    dedupe_key: str
    requested_by: str
    requested_at: Timestamp
    sent_at: Timestamp | None
    updated_at: Timestamp


class SmsPageOut(PageOut):
    items: list[SmsOut] = Field(description="Newest first")


class ProviderCallOut(ApiModel):
    attempt: int
    provider: str
    accepted: bool
    permanent: bool
    answer: str
    at: Timestamp


class SmsDetailOut(SmsOut):
    calls: list[ProviderCallOut] = Field(description="Every provider call: failover and retries")


class LatestCodeOut(ApiModel):
    sms_id: int
    phone: str
    code: str = Field(description="In clear, to read to the customer; this look-up is recorded")
    status: SmsStatus = Field(description="Whether the SMS itself went out")
    requested_at: Timestamp
    sent_at: Timestamp | None
    code_state: CodeState | None = Field(description="Null for a code issued elsewhere")
    looked_up_by: str
    looked_up_at: Timestamp


class CodeLookupOut(ApiModel):
    id: int
    actor: str
    phone: str
    sms_id: int | None
    found: bool
    trace_id: str | None
    at: Timestamp


class CodeLookupPageOut(PageOut):
    items: list[CodeLookupOut] = Field(description="Newest first")


class CodeIssuedOut(ApiModel):
    id: str
    phone: str = Field(description="Masked")
    purpose: str
    issued_at: Timestamp
    expires_at: Timestamp
    attempts_allowed: int
    sms_dedupe_key: str = Field(description="The SMS log entry of this code has this key")


class CodeCheckOut(ApiModel):
    valid: bool
    reason: CheckFailure | None
    attempts_left: int


# --- inboxes -----------------------------------------------------------------


class InboxMessageOut(ApiModel):
    id: int
    title: str | None
    body: str
    template_id: str | None
    created_at: Timestamp
    read: bool
    read_at: Timestamp | None


class InboxPageOut(PageOut):
    recipient: str
    kind: InboxKind
    unread: int
    items: list[InboxMessageOut] = Field(description="Newest first")


class UnreadCountOut(ApiModel):
    recipient: str
    kind: InboxKind
    unread: int


class MarkedReadOut(ApiModel):
    marked: int


# --- announcements -----------------------------------------------------------


class AnnouncementOut(ApiModel):
    id: int
    title: str
    body: str
    status: AnnouncementStatus
    publish_at: Timestamp | None
    withdraw_at: Timestamp | None
    published_at: Timestamp | None
    withdrawn_at: Timestamp | None
    created_by: str
    created_at: Timestamp
    updated_by: str
    updated_at: Timestamp
    actions: list[AnnouncementAction] = Field(
        description="The commands the caller could run on it now (the same rule refuses the"
        " others): operations supervisors only; edit and publish while not online, withdraw"
        " while online, schedule always (online: only when it goes offline)"
    )


class AnnouncementHistoryOut(ApiModel):
    action: str
    actor: str
    at: Timestamp
    title: str
    body: str


class AnnouncementDetailOut(AnnouncementOut):
    history: list[AnnouncementHistoryOut] = Field(description="Who did what, when")


class AnnouncementPageOut(PageOut):
    items: list[AnnouncementOut] = Field(description="Newest first")


class BoardItemOut(ApiModel):
    id: int
    title: str
    body: str
    published_at: Timestamp


class BoardOut(PageOut):
    items: list[BoardItemOut] = Field(
        description="What the front page shows now, newest first; every one on one page"
    )
