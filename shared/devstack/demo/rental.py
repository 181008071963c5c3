"""The bike-rental part of ``kefu demo``: what the bike platform publishes, then the staff.

Users registered over the last weeks, deposits paid, top-ups, trips in every state
(ended at a rental point, temporarily returned outside one, still riding), a lock
fault, feedback and insurance applications. The staff then fix the temporary return,
decide feedback and insurance, blacklist a user, top one up at the counter, change a
student's deposit and refund a leaving user's deposit (which the refund service opens
as a requested refund for an operations supervisor).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from shared.contracts import (
    RENTAL_FEEDBACK_SUBMITTED,
    RENTAL_INSURANCE_APPLIED,
    RENTAL_LOCK_STATE_REPORTED,
    RENTAL_PAYMENT_RECEIVED,
    RENTAL_TRIP_ENDED,
    RENTAL_TRIP_STARTED,
    RENTAL_USER_REGISTERED,
    FeedbackSubmitted,
    InsuranceApplied,
    LockStateReported,
    PaymentReceived,
    RentalPoint,
    TripEnded,
    TripStarted,
    UserRegistered,
)
from shared.contracts.rental import PaymentKind
from shared.devstack.demo.publish import Event
from shared.devstack.demo.staff import Staff

SOURCE = "/bike-platform"
R = "/api/v1/rental"
DEPOSIT_CENTS = 29_900
_NAMES = (
    "王芳",
    "李娜",
    "张伟",
    "刘洋",
    "陈静",
    "杨磊",
    "赵敏",
    "黄强",
    "周杰",
    "吴婷",
    "徐明",
    "孙丽",
)
_POINTS = tuple(
    RentalPoint(point_id=pid, name=name, latitude=Decimal(lat), longitude=Decimal(lon))
    for pid, name, lat, lon in (
        ("P01", "西湖文化广场", "30.274", "120.163"),
        ("P02", "武林广场", "30.271", "120.164"),
        ("P03", "黄龙体育中心", "30.268", "120.131"),
        ("P04", "杭州东站", "30.290", "120.213"),
    )
)


@dataclass
class RentalSample:
    users: list[UserRegistered] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    riding: str = ""
    """A user whose trip is still open."""
    temporary_trip: TripEnded | None = None
    """A trip left outside a rental point: the agent fixes its end time."""
    left_outside: TripEnded | None = None
    """Another, nobody has fixed yet."""
    feedback: list[FeedbackSubmitted] = field(default_factory=list)
    insurance: list[InsuranceApplied] = field(default_factory=list)

    def user(self, index: int) -> UserRegistered:
        return self.users[index]


class _Builder:
    def __init__(self, seed: int, today: date, tz: ZoneInfo) -> None:
        self.rng = random.Random(seed * 7919 + 1)
        self.midnight = datetime.combine(today, time(), tz)
        self.sample = RentalSample()
        self.trips = 0

    def add(self, event: Event) -> None:
        self.sample.events.append(event)

    def ago(self, days: float, jitter_minutes: int = 0) -> datetime:
        minutes = self.rng.randint(0, jitter_minutes) if jitter_minutes else 0
        return self.midnight - timedelta(days=days, minutes=minutes)

    def user(self, index: int) -> UserRegistered:
        user = UserRegistered(
            event_id=f"demo-user-{index:04d}",
            user_id=f"U{2001 + index}",
            phone=f"139{self.rng.randrange(10**8):08d}",
            name=_NAMES[index % len(_NAMES)],
            card_type="student" if index % 4 == 3 else "standard",
            registered_at=self.ago(40 - index, 600),
        )
        self.sample.users.append(user)
        self.add(Event(RENTAL_USER_REGISTERED, user, user.registered_at, SOURCE))
        return user

    def payment(
        self,
        user: UserRegistered,
        kind: PaymentKind,
        cents: int,
        at: datetime,
        trip_id: str | None = None,
    ) -> None:
        payment = PaymentReceived(
            event_id=f"demo-pay-{len(self.sample.events):05d}",
            payment_id=f"PAY{at:%Y%m%d}{len(self.sample.events):05d}",
            user_id=user.user_id,
            kind=kind,
            amount_cents=cents,
            paid_at=at,
            trip_id=trip_id,
        )
        self.add(Event(RENTAL_PAYMENT_RECEIVED, payment, at, SOURCE))

    def trip(
        self, user: UserRegistered, started: datetime, *, minutes: int | None, to_point: bool = True
    ) -> TripEnded | None:
        self.trips += 1
        trip_id, bike = f"T{3000 + self.trips}", f"B{self.rng.randrange(10**5):05d}"
        start = self.rng.choice(_POINTS)
        begun = TripStarted(
            event_id=f"demo-trip-{trip_id}-start",
            trip_id=trip_id,
            user_id=user.user_id,
            bike_id=bike,
            started_at=started,
            start_point=start,
        )
        self.add(Event(RENTAL_TRIP_STARTED, begun, started, SOURCE))
        if minutes is None:
            return None
        ended_at = started + timedelta(minutes=minutes)
        charge = 100 * (1 + minutes // 30)
        ended = TripEnded(
            event_id=f"demo-trip-{trip_id}-end",
            trip_id=trip_id,
            user_id=user.user_id,
            bike_id=bike,
            ended_at=ended_at,
            end_point=self.rng.choice(_POINTS) if to_point else None,
            charge_cents=charge,
        )
        self.add(Event(RENTAL_TRIP_ENDED, ended, ended_at, SOURCE))
        self.payment(user, "rental_charge", charge, ended_at, trip_id=trip_id)
        return ended


def build_rental(*, seed: int, today: date, tz: ZoneInfo, users: int = 12) -> RentalSample:
    b = _Builder(seed, today, tz)
    people = [b.user(i) for i in range(users)]
    for i, user in enumerate(people):
        b.payment(user, "deposit", DEPOSIT_CENTS, user.registered_at + timedelta(minutes=5))
        if i % 3 == 0:
            b.payment(user, "top_up", 5_000 * (1 + i % 2), user.registered_at + timedelta(hours=1))
    ended: list[TripEnded] = []
    for day in range(20, 0, -1):
        rider = people[b.rng.randrange(users)]
        trip = b.trip(rider, b.ago(day, 600) + timedelta(hours=8), minutes=b.rng.randint(8, 95))
        assert trip is not None
        ended.append(trip)
    # the first user rides a lot; the second left a bike outside a point; the third rides now
    for day in (3, 2):
        trip = b.trip(people[0], b.ago(day) + timedelta(hours=18), minutes=24)
        assert trip is not None
        ended.append(trip)
    b.sample.temporary_trip = b.trip(
        people[1], b.ago(1) + timedelta(hours=20), minutes=40, to_point=False
    )
    b.sample.left_outside = b.trip(
        people[4], b.ago(1) + timedelta(hours=9), minutes=15, to_point=False
    )  # left as it is: the temporarily returned state on the screens
    b.trip(people[2], b.midnight - timedelta(minutes=35), minutes=None)
    b.sample.riding = people[2].user_id
    fault = LockStateReported(
        event_id="demo-lock-0001",
        bike_id=ended[-1].bike_id,
        state="fault",
        reported_at=ended[-1].ended_at + timedelta(minutes=2),
    )
    b.add(Event(RENTAL_LOCK_STATE_REPORTED, fault, fault.reported_at, SOURCE))
    texts = ("车锁关不上，扣费一直在继续", "App 地图上的还车点位置不对", "希望增加学生月卡")
    for i, text in enumerate(texts):
        trip = ended[-1 - i]
        feedback = FeedbackSubmitted(
            event_id=f"demo-feedback-{i + 1:04d}",
            feedback_id=f"F{4001 + i}",
            user_id=trip.user_id,
            content=text,
            trip_id=trip.trip_id if i < 2 else None,
            submitted_at=trip.ended_at + timedelta(minutes=30),
        )
        b.sample.feedback.append(feedback)
        b.add(Event(RENTAL_FEEDBACK_SUBMITTED, feedback, feedback.submitted_at, SOURCE))
    for i, (text, claimed) in enumerate(
        (("骑行中摔倒，膝盖擦伤就医", 32_000), ("车筐断裂划伤手", None))
    ):
        trip = ended[i]
        application = InsuranceApplied(
            event_id=f"demo-insurance-{i + 1:04d}",
            application_id=f"I{5001 + i}",
            user_id=trip.user_id,
            trip_id=trip.trip_id,
            description=text,
            claimed_cents=claimed,
            applied_at=trip.ended_at + timedelta(hours=3),
        )
        b.sample.insurance.append(application)
        b.add(Event(RENTAL_INSURANCE_APPLIED, application, application.applied_at, SOURCE))
    return b.sample


STAFF_STEPS = 11
GUIDE = (
    ("押金299元，注销账户时可申请退还。\n还车请停在租车点内，锁好车锁。", "第一版"),
    ("押金299元（学生199元），注销账户时可申请退还。\n还车请停在租车点内，锁好车锁。", "学生押金"),
)


async def rental_staff(staff: Staff, sample: RentalSample) -> dict[str, str]:
    """The staff's rental work; what it left to look at, by what it shows."""
    last = sample.users[-1].user_id

    async def all_in() -> bool | None:
        # every record the staff act on: events on other keys travel on other partitions,
        # so the last one published is not the last one taken in
        accounts = await staff.get("agent", f"{R}/accounts/{last}")
        ok = accounts.status_code == 200 and accounts.json().get("deposit_cents") == DEPOSIT_CENTS
        paths = [f"{R}/insurance-applications/{a.application_id}" for a in sample.insurance]
        paths += [f"{R}/feedback/{f.feedback_id}" for f in sample.feedback]
        for path in paths:
            ok = ok and (await staff.get("agent", path)).status_code == 200
        return True if ok else None

    await staff.until(all_in, what="the rental service to take in the platform's events")
    temporary = sample.temporary_trip
    assert temporary is not None
    fixed_end = (temporary.ended_at - timedelta(minutes=15)).isoformat()
    await staff.send(
        "agent",
        "rental: fix a temporarily returned trip",
        f"{R}/orders/{temporary.trip_id}/exception-fix",
        {"ended_at": fixed_end, "reason": "车锁故障，用户来电说明实际还车时间"},
    )
    await staff.send(
        "agent",
        "rental: accept feedback",
        f"{R}/feedback/{sample.feedback[0].feedback_id}/accept",
        {"reason": "已派维修人员检查车锁"},
    )
    await staff.send(
        "agent",
        "rental: reject feedback",
        f"{R}/feedback/{sample.feedback[1].feedback_id}/reject",
        {"reason": "还车点位置经核实无误"},
    )
    await staff.send(
        "agent",
        "rental: accept an insurance application",
        f"{R}/insurance-applications/{sample.insurance[0].application_id}/accept",
        {"reason": "就医凭证齐全"},
    )
    await staff.send(
        "agent",
        "rental: blacklist a user",
        f"{R}/users/{sample.user(9).user_id}/blacklist",
        {"reason": "冒用他人身份证骑行，工单 20261123-0042"},
    )
    counter = sample.user(0)
    receipts = await staff.found("lead", f"{R}/topups", user_id=counter.user_id)
    if receipts:  # topped up on an earlier run: money moves once
        serial = str(receipts[0]["serial_no"])
        staff.steps.done(2)
    else:
        serial = await _top_up(staff, counter.user_id)
    await staff.send(
        "ops",
        "rental: a student's deposit",
        f"{R}/accounts/{sample.user(3).user_id}/deposit",
        {"deposit_cents": 19_900, "reason": "学生押金标准"},
    )
    if (await staff.get("ops", f"{R}/guide")).status_code == 404:
        for version, (content, note) in enumerate(GUIDE):
            body = {"content": content, "based_on": version or None, "note": note}
            await staff.send(
                "ops", f"rental: guide version {version + 1}", f"{R}/guide", body, method="PUT"
            )
    else:
        staff.steps.done(len(GUIDE))
    leaving = sample.user(5).user_id
    earlier = await staff.get("agent", f"{R}/accounts/{leaving}/refunds")
    listed = earlier.json() if earlier.status_code == 200 else []
    listed = listed["items"] if isinstance(listed, dict) else listed
    if listed:
        request_id = str(listed[0]["request_id"])
        staff.steps.done()
    else:
        refund = await staff.send(
            "agent",
            "rental: refund a leaving user's deposit",
            f"{R}/accounts/{leaving}/refunds",
            {"kind": "deposit", "reason": "用户注销，退押金"},
        )
        request_id = str(refund.get("request_id", ""))
    return {
        "rental user with trips, a top-up and stored value": counter.user_id,
        "rental trip fixed by the agent": temporary.trip_id,
        "rental user riding now": sample.riding,
        "rental trip left outside a rental point": sample.left_outside.trip_id
        if sample.left_outside
        else "",
        "rental user blacklisted": sample.user(9).user_id,
        "rental deposit refund waiting for ops": leaving,
        "rental top-up serial": serial,
        "requested refund id": request_id,
    }


async def _top_up(staff: Staff, user_id: str) -> str:
    """The counter's top-up: the duty lead checks the ID, then takes the cash."""
    checked = await staff.send(
        "lead",
        "rental: check a customer's identity at the counter",
        f"{R}/topups/identity-checks",
        {"user_id": user_id, "method": "id_document", "document_last4": "0427"},
    )
    topped = await staff.send(
        "lead",
        "rental: top up at the counter",
        f"{R}/topups",
        {
            "user_id": user_id,
            "amount_cents": 5_000,
            "confirmed_amount_cents": 5_000,
            "verification_id": checked["verification_id"],
            "payment_method": "cash",
            "payer_account": "cash-drawer-7",
        },
        done_if_past=False,
    )
    return str(topped["serial_no"])
