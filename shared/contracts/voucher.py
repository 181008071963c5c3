"""Contracts the exchange platform publishes to the voucher service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from shared.contracts.base import Contract, Topic
from shared.timestamps import UtcTimestamp

ExchangeSource = Literal["bubble", "telecom_points", "e_coupon"]
DeductionStatus = Literal["deducted", "pending", "failed"]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class IssuedVoucher(Contract):
    code: str = Field(min_length=4, max_length=64, pattern=r"^[0-9A-Za-z]+$")
    face_value: Money
    valid_from: date
    valid_to: date

    @model_validator(mode="after")
    def _validity_ordered(self) -> IssuedVoucher:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class VoucherIssued(Contract):
    """An exchange order: points from one source turned into one or more vouchers."""

    merchant_order_no: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=64)
    phone: str = Field(pattern=r"^\+?[0-9]{6,20}$")
    source: ExchangeSource
    points_deducted: int = Field(ge=0)
    deduction_status: DeductionStatus
    exchanged_at: UtcTimestamp
    vouchers: list[IssuedVoucher] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _codes_unique(self) -> VoucherIssued:
        codes = [v.code for v in self.vouchers]
        if len(set(codes)) != len(codes):
            raise ValueError("voucher codes repeat within the order")
        return self


class VoucherRedeemed(Contract):
    """A voucher was used at a lottery store."""

    code: str = Field(min_length=4, max_length=64)
    redeemed_at: UtcTimestamp
    store_id: str = Field(min_length=1, max_length=64)


VOUCHER_ISSUED = Topic(
    "voucher.issued.v1",
    VoucherIssued,
    key="merchant_order_no",
    summary="An exchange order issued its lottery vouchers.",
    producer="platform",
)
VOUCHER_REDEEMED = Topic(
    "voucher.redeemed.v1",
    VoucherRedeemed,
    key="code",
    summary="A voucher was redeemed at a lottery store.",
    producer="platform",
)
