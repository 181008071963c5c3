"""Synthetic exchange orders and vouchers shaped like production.

The shape, at 10M vouchers:

* about 3M distinct users (0.3 per voucher), each with one phone; most
  exchange once or twice, loyal early users many times (a skewed repeat pick);
* 1 to 10 vouchers per order, 2.15 on average (one exchange request buys
  several trial vouchers);
* sources: bubble points 80 %, telecom points 12 %, e-coupons 8 %;
* deduction status: deducted 97 %, pending 2 %, failed 1 %;
* voucher status: available ~80 %, used ~17 %, voided ~3 % (1 % of bubble
  orders reversed whole, the rest voided one by one); where the schema stores
  expiry, the available ones past their validity are written as expired, as the
  service's expiry sweep leaves them;
* exchange times over the last two years, growing (more orders lately), with a
  day curve in Asia/Shanghai local time (lunch and evening peaks), generated in
  time order as a live system would have written them.

Deterministic: the same seed and size give the same rows. Orders are made in
chunks, each with its own seed, so workers can make disjoint chunks in parallel.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
VOUCHERS_PER_ORDER = (1, 2, 3, 4, 5, 10)
VOUCHERS_PER_ORDER_WEIGHTS = (55, 20, 10, 5, 6, 4)
MEAN_VOUCHERS_PER_ORDER = 2.15
SOURCES = ("bubble", "telecom_points", "e_coupon")
SOURCE_WEIGHTS = (80, 12, 8)
DEDUCTIONS = ("deducted", "pending", "failed")
DEDUCTION_WEIGHTS = (97, 2, 1)
FACE_VALUES = tuple(Decimal(v) for v in ("2.00", "5.00", "10.00", "20.00", "50.00"))
FACE_WEIGHTS = (20, 30, 30, 15, 5)
POINTS_PER_YUAN = 100
VALID_DAYS = 30
# Orders by local hour of day: quiet nights, a lunch peak, an evening peak.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 2, 4, 6, 8, 9, 10, 12, 14, 12, 10, 10, 10, 11, 12, 14, 16, 16, 12, 6)
GROWTH = 0.8
"""Order i of n falls at (i/n)**GROWTH of the span: later days hold more orders."""
USED_SHARE = 0.17
VOIDED_SHARE = 0.02
REVERSED_ORDER_SHARE = 0.01
CHUNK_ORDERS = 20_000

ORDER_COLUMNS = (
    "merchant_order_no",
    "user_id",
    "phone",
    "source",
    "points_deducted",
    "deduction_status",
    "exchanged_at",
    "order_status",
    "received_at",
)
VOUCHER_COLUMNS = (
    "code",
    "merchant_order_no",
    "user_id",
    "phone",
    "source",
    "exchanged_at",
    "face_value",
    "valid_from",
    "valid_to",
    "status",
    "redeemed_at",
    "store_id",
    "voided_at",
)


@dataclass(frozen=True)
class Shape:
    vouchers: int
    seed: int = 20181230
    days: int = 730
    users_per_voucher: float = 0.3
    stored_expiry: bool = False
    """The schema stores 'expired' (the service's expiry sweep sets it): write available
    vouchers past their validity as expired, as the sweep would have left them."""
    end: datetime = field(default_factory=lambda: start_of_today())
    """The data ends where today begins, so "expired" means what it will in production;
    the same size, seed and day give the same data."""

    @property
    def users(self) -> int:
        return max(1, round(self.vouchers * self.users_per_voucher))

    @property
    def orders(self) -> int:
        """Orders planned; the last chunk stops early once the voucher count is reached."""
        return max(1, round(self.vouchers / MEAN_VOUCHERS_PER_ORDER))

    @property
    def chunks(self) -> int:
        return -(-self.orders // CHUNK_ORDERS)

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)


def start_of_today() -> datetime:
    now = datetime.now(SHANGHAI)
    return datetime(now.year, now.month, now.day, tzinfo=SHANGHAI)


def user_id(index: int) -> str:
    return f"U{10_000_000 + index}"


def phone(index: int) -> str:
    # 48271 is prime to 10**9, so distinct users get distinct numbers
    return f"1{3 + index % 7}{(index * 48271 + 7) % 1_000_000_000:09d}"


@dataclass
class Chunk:
    orders: list[tuple[Any, ...]]
    vouchers: list[tuple[Any, ...]]


def _first_voucher_of_chunk(shape: Shape, chunk: int) -> int:
    """Chunks are a fixed number of orders, so voucher numbering needs an estimate;
    codes only need to be unique, so each chunk gets its own number range."""
    return chunk * CHUNK_ORDERS * max(VOUCHERS_PER_ORDER)


def chunk(shape: Shape, index: int) -> Chunk:
    """Orders ``index * CHUNK_ORDERS`` onwards, with their vouchers."""
    rng = random.Random(shape.seed * 1_000_003 + index)
    first = index * CHUNK_ORDERS
    count = min(CHUNK_ORDERS, shape.orders - first)
    start_epoch = shape.start.timestamp()
    span = shape.days * 86400
    total = shape.orders
    users = shape.users
    new_user_share = min(1.0, users / total)
    sizes = rng.choices(VOUCHERS_PER_ORDER, VOUCHERS_PER_ORDER_WEIGHTS, k=count)
    sources = rng.choices(SOURCES, SOURCE_WEIGHTS, k=count)
    deductions = rng.choices(DEDUCTIONS, DEDUCTION_WEIGHTS, k=count)
    faces = rng.choices(FACE_VALUES, FACE_WEIGHTS, k=count)
    hours = rng.choices(range(24), HOUR_WEIGHTS, k=count)
    day_cache: dict[int, tuple[datetime, str, date, date]] = {}
    orders: list[tuple[Any, ...]] = []
    vouchers: list[tuple[Any, ...]] = []
    code_no = _first_voucher_of_chunk(shape, index)
    expire_before = shape.end.date() if shape.stored_expiry else None
    rand = rng.random
    for k in range(count):
        i = first + k
        t = start_epoch + span * ((i + rand()) / total) ** GROWTH
        day_no = int((t - start_epoch) // 86400)
        day = day_cache.get(day_no)
        if day is None:
            midnight = (shape.start + timedelta(days=day_no)).replace(hour=0, minute=0, second=0)
            local = midnight.date()
            day = (midnight, local.strftime("%Y%m%d"), local, local + timedelta(days=VALID_DAYS))
            day_cache[day_no] = day
        midnight, ymd, valid_from, valid_to = day
        exchanged_at = midnight + timedelta(seconds=hours[k] * 3600 + int(rand() * 3600))
        # Exactly ``users`` orders (spread evenly) come from a new user; the rest
        # from a returning one, skewed towards early (loyal) users.
        seen = int(i * new_user_share)
        u = seen if int((i + 1) * new_user_share) > seen else int(seen * rand() ** 2)
        uid, ph = user_id(u), phone(u)
        source, deduction, face, n = sources[k], deductions[k], faces[k], sizes[k]
        points = int(face * POINTS_PER_YUAN) * n
        order_no = f"M{ymd}{i:010d}"
        reversed_order = (
            source == "bubble" and deduction == "deducted" and rand() < REVERSED_ORDER_SHARE
        )
        orders.append(
            (
                order_no,
                uid,
                ph,
                source,
                points,
                "refunded" if reversed_order else deduction,
                exchanged_at,
                "reversed" if reversed_order else "exchanged",
                exchanged_at + timedelta(milliseconds=300 + int(rand() * 2000)),
            )
        )
        for _ in range(n):
            code_no += 1
            status, redeemed_at, store_id, voided_at = "available", None, None, None
            roll = rand()
            if reversed_order or roll < VOIDED_SHARE:
                status = "voided"
                voided_at = exchanged_at + timedelta(minutes=5 + int(rand() * 2880))
            elif roll < VOIDED_SHARE + USED_SHARE:
                status = "used"
                redeemed_at = exchanged_at + timedelta(minutes=10 + int(rand() * 40000))
                store_id = f"S{int(rand() * 20000):05d}"
            elif expire_before is not None and valid_to < expire_before:
                status = "expired"
            vouchers.append(
                (
                    f"22{ymd}{code_no:010d}",
                    order_no,
                    uid,
                    ph,
                    source,
                    exchanged_at,
                    face,
                    valid_from,
                    valid_to,
                    status,
                    redeemed_at,
                    store_id,
                    voided_at,
                )
            )
    return Chunk(orders, vouchers)
