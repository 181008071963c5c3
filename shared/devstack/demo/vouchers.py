"""The exchange platform's part of ``kefu demo``: orders of vouchers and their redemptions.

The sample is deterministic for a seed and a day: the same command on the same
day builds the same orders with the same ``ce_id`` values, so running it twice
is a duplicate delivery and changes nothing. Messages go through Kafka with
CloudEvents headers, validated by the contract models, keyed as the topics say.
It includes the sandbox's failure values so each failure path can be seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.contracts import (
    VOUCHER_ISSUED,
    VOUCHER_REDEEMED,
    IssuedVoucher,
    VoucherIssued,
    VoucherRedeemed,
)
from shared.devstack.demo.publish import Event
from shared.devstack.demo.staff import Staff

SOURCE = "/exchange-platform"
_PHONE_PREFIXES = [f"13{d}" for d in range(10)] + ["150", "151", "152", "155", "158", "159"]
_PHONE_PREFIXES += ["180", "181", "182", "186", "187", "188", "189"]
_FACE_VALUES = (Decimal("10.00"), Decimal("20.00"), Decimal("50.00"))
POINTS_PER_YUAN = 200
VALIDITY_DAYS = 30
HISTORY_DAYS = 60


@dataclass(frozen=True)
class User:
    user_id: str
    phone: str


@dataclass
class Sample:
    issued: list[VoucherIssued] = field(default_factory=list)
    redeemed: list[VoucherRedeemed] = field(default_factory=list)
    highlights: dict[str, str] = field(default_factory=dict)
    """What to try, by what it shows: a phone, an order number or a code."""

    @property
    def vouchers(self) -> int:
        return sum(len(o.vouchers) for o in self.issued)


class _Builder:
    def __init__(self, seed: int, today: date, tz: ZoneInfo) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.midnight = datetime.combine(today, time(), tz)
        self.codes: set[str] = set()
        self.order_nos: set[str] = set()

    def phone(self) -> str:
        return self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def code(self, ending: str | None = None) -> str:
        while True:
            code = "22015" + f"{self.rng.randrange(10**15):015d}"
            if ending is not None:
                code = code[: -len(ending)] + ending
            elif code.endswith(("9999", "9998")):
                continue  # only the planted codes show the sandbox's void failures
            if code not in self.codes:
                self.codes.add(code)
                return code

    def exchanged_at(self, within_days: int) -> datetime:
        # before today's midnight, so the sample is the same all day
        return self.midnight - timedelta(seconds=self.rng.randint(60, within_days * 86_400))

    def order_no(self) -> str:
        """The seed's n-th order, whatever the day: a README can name it, and a run on
        another day sends the same orders again rather than new ones."""
        no = f"M{self.seed % 10**4:04d}{len(self.order_nos) + 1:013d}"
        self.order_nos.add(no)
        return no

    def order(
        self,
        user: User,
        *,
        source: str | None = None,
        status: str | None = None,
        vouchers: int | None = None,
        endings: tuple[str, ...] = (),
        within_days: int = HISTORY_DAYS,
    ) -> VoucherIssued:
        at = self.exchanged_at(within_days)
        source = (
            source or self.rng.choices(("bubble", "telecom_points", "e_coupon"), (60, 25, 15))[0]
        )
        status = status or self.rng.choices(("deducted", "pending", "failed"), (85, 10, 5))[0]
        count = vouchers or self.rng.randint(1, 5)
        face = self.rng.choices(_FACE_VALUES, (50, 35, 15))[0]
        valid_from = at.date()
        items = [
            IssuedVoucher(
                code=self.code(endings[i] if i < len(endings) else None),
                face_value=face,
                valid_from=valid_from,
                valid_to=valid_from + timedelta(days=VALIDITY_DAYS),
            )
            for i in range(count)
        ]
        points = 0 if source == "e_coupon" else int(face * POINTS_PER_YUAN) * count
        return VoucherIssued(
            merchant_order_no=self.order_no(),
            user_id=user.user_id,
            phone=user.phone,
            source=source,
            points_deducted=points,
            deduction_status=status,
            exchanged_at=at,
            vouchers=items,
        )

    def redemption(self, order: VoucherIssued, voucher: IssuedVoucher) -> VoucherRedeemed:
        latest = min(self.midnight, order.exchanged_at + timedelta(days=VALIDITY_DAYS))
        span = int((latest - order.exchanged_at).total_seconds())
        at = order.exchanged_at + timedelta(seconds=self.rng.randint(60, max(61, span - 1)))
        return VoucherRedeemed(
            code=voucher.code, redeemed_at=at, store_id=f"S{self.rng.randrange(10**4):04d}"
        )


def build_sample(*, orders: int = 200, seed: int = 2018, today: date, tz: ZoneInfo) -> Sample:
    """A realistic sample: several orders per phone, every source and deduction status, some
    redemptions, and the sandbox values (codes ending 9999/9998, users FAILPTS/FLAKYPTS)."""
    if orders < 6:
        raise ValueError("a sample needs at least 6 orders to show every path")
    b = _Builder(seed, today, tz)
    users = [User(f"U{10001 + i}", b.phone()) for i in range(max(3, orders // 3))]
    sample = Sample()
    recent = VALIDITY_DAYS - 5  # still valid, so the void and reversal buttons show
    planted = {
        "reversal succeeds (bubble points come back)": b.order(
            users[0], source="bubble", status="deducted", vouchers=3, within_days=recent
        ),
        "reversal ends points_refund_failed (user FAILPTS…)": b.order(
            User("FAILPTS0001", b.phone()),
            source="bubble",
            status="deducted",
            vouchers=2,
            within_days=recent,
        ),
        "reversal refund fails once, then a retry succeeds (user FLAKYPTS…)": b.order(
            User("FLAKYPTS0001", b.phone()),
            source="bubble",
            status="deducted",
            vouchers=2,
            within_days=recent,
        ),
        "void always fails (code …9999)": b.order(
            users[1], source="bubble", vouchers=2, endings=("9999",), within_days=recent
        ),
        "void fails once, then a retry succeeds (code …9998)": b.order(
            users[2], source="telecom_points", vouchers=1, endings=("9998",), within_days=recent
        ),
        "reversal refused: one voucher is used": b.order(
            users[0], source="bubble", status="deducted", vouchers=3, within_days=recent
        ),
    }
    sample.issued += planted.values()
    while len(sample.issued) < orders:
        sample.issued.append(b.order(b.rng.choice(users)))
    used = planted["reversal refused: one voucher is used"]
    sample.redeemed.append(b.redemption(used, used.vouchers[0]))
    for order in sample.issued[len(planted) :]:
        for voucher in order.vouchers:
            if b.rng.random() < 0.08:
                sample.redeemed.append(b.redemption(order, voucher))
    for what, order in planted.items():
        ending = next((v.code for v in order.vouchers if v.code.endswith(("9999", "9998"))), None)
        sample.highlights[what] = (
            f"code {ending}" if ending else f"order {order.merchant_order_no} ({order.user_id})"
        )
    busiest = max(users, key=lambda u: sum(o.phone == u.phone for o in sample.issued))
    count = sum(o.phone == busiest.phone for o in sample.issued)
    sample.highlights[f"a phone with {count} orders"] = f"phone {busiest.phone}"
    return sample


def voucher_events(sample: Sample) -> list[Event]:
    """The exchange platform's messages: every order, then the redemptions."""
    events = [Event(VOUCHER_ISSUED, o, o.exchanged_at, SOURCE) for o in sample.issued]
    events += [Event(VOUCHER_REDEEMED, r, r.redeemed_at, SOURCE) for r in sample.redeemed]
    return events


STAFF_STEPS = 2


def voidable(sample: Sample, midnight: datetime) -> IssuedVoucher:
    """A plain available voucher: recent, not redeemed, no sandbox failure value."""
    used = {r.code for r in sample.redeemed}
    for order in sample.issued[6:]:
        if order.exchanged_at > midnight - timedelta(days=VALIDITY_DAYS - 5):
            for voucher in order.vouchers:
                if voucher.code not in used:
                    return voucher
    raise ValueError("no available voucher in the sample")


async def voucher_staff(staff: Staff, sample: Sample, midnight: datetime) -> dict[str, str]:
    """The agent voids one voucher and reverses the order planted to succeed."""
    last = sample.issued[-1].vouchers[-1].code

    async def arrived() -> bool | None:
        response = await staff.get("agent", f"/api/v1/vouchers/{last}")
        return True if response.status_code == 200 else None

    await staff.until(arrived, what="the voucher service to take in the orders")
    voucher = voidable(sample, midnight)
    await staff.send(
        "agent",
        f"voucher: void {voucher.code}",
        f"/api/v1/vouchers/{voucher.code}/void",
        {"reason": "客户要求作废"},
    )
    reversed_order = sample.issued[0]
    await staff.send(
        "agent",
        f"voucher: reverse {reversed_order.merchant_order_no}",
        f"/api/v1/orders/{reversed_order.merchant_order_no}/reversal",
        {"reason": "客户申请返销"},
    )
    return {
        "voided voucher": voucher.code,
        "reversed order": reversed_order.merchant_order_no,
        "its customer's phone": reversed_order.phone,
    }
