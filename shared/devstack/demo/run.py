"""``kefu demo``: every screen filled, the way real producers and staff would fill it.

First the platforms' events go out over Kafka (the exchange platform's orders and
redemptions, the bike platform's users, trips, payments, feedback and insurance),
then the demo accounts work through the gateway: void and reverse, fix a trip,
top up, refund, file and approve refund forms, open and decide after-sales tickets,
write announcements. Deterministic for a seed; running it again changes nothing.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path

import httpx
from aiokafka.errors import KafkaConnectionError

from shared.devstack.demo import aftersales, notify, refunds, rental, vouchers
from shared.devstack.demo.publish import publish
from shared.devstack.demo.staff import DemoError, Staff
from shared.devstack.secrets import DEMO_PASSWORD_FILE
from shared.progress import Steps, progress_bar
from shared.settings import Settings

RENTAL = "/api/v1/rental/accounts"
STAFF_STEPS = (
    vouchers.STAFF_STEPS
    + rental.STAFF_STEPS
    + refunds.STAFF_STEPS
    + aftersales.STAFF_STEPS
    + notify.STAFF_STEPS
)


@dataclass
class Created:
    vouchers: vouchers.Sample
    rental: rental.RentalSample
    shown: dict[str, dict[str, str]]


def demo_password(settings: Settings) -> str | None:
    """The password ``kefu up`` gave the demo accounts: the variable, else its file."""
    if settings.demo_password is not None:
        return settings.demo_password.get_secret_value()
    path = Path(settings.home) / DEMO_PASSWORD_FILE
    return path.read_text(encoding="utf-8").strip() if path.exists() else None


async def fill(
    settings: Settings, password: str, *, orders: int, seed: int, steps: Steps
) -> Created:
    today = datetime.now(settings.tz).date()
    midnight = datetime.combine(today, time(), settings.tz)
    sample = vouchers.build_sample(orders=orders, seed=seed, today=today, tz=settings.tz)
    bikes = rental.build_rental(seed=seed, today=today, tz=settings.tz)
    events = vouchers.voucher_events(sample) + bikes.events
    steps.grow(len(events))
    await publish(settings, events, steps)
    staff = Staff(settings.url_of("gateway"), password, seed=seed, steps=steps)
    try:
        shown = {
            "vouchers": await vouchers.voucher_staff(staff, sample, midnight),
            "rental": await rental.rental_staff(staff, bikes),
            "refund forms": await refunds.refund_staff(staff, seed=seed),
            "after-sales tickets": await aftersales.aftersales_staff(staff, seed=seed),
            "announcements": await notify.notify_staff(staff, seed=seed),
        }
    finally:
        await staff.aclose()
    return Created(sample, bikes, shown)


def five_things(created: Created, seed: int) -> list[tuple[str, str, str]]:
    """Five requests on ids this run made, as the README's first steps show them: what
    each shows, the README's header variable of the account that asks, the path."""
    busiest = next(v for k, v in created.vouchers.highlights.items() if k.startswith("a phone"))
    shown = created.shown["rental"]
    counter = shown["rental user with trips, a top-up and stored value"]
    leaving = shown["rental deposit refund waiting for ops"]
    reversed_order = created.shown["vouchers"]["reversed order"]
    late = refunds.order_no(seed, 0)
    return [
        (
            "a customer's vouchers, newest exchange first",
            "AUTH",
            f"/api/v1/vouchers?phone={busiest.removeprefix('phone ')}",
        ),
        (
            "the order the agent reversed",
            "AUTH",
            f"/api/v1/vouchers?merchant_order_no={reversed_order}",
        ),
        ("a rental customer's account after a counter top-up", "AUTH", f"{RENTAL}/{counter}"),
        ("the refund form filed late", "LEAD", f"/api/v1/refunds/forms?order_no={late}"),
        ("a deposit refund waiting for ops", "OPS", f"/api/v1/refunds/requested?user_id={leaving}"),
    ]


def run_demo(settings: Settings, *, orders: int, seed: int) -> int:
    password = demo_password(settings)
    if password is None:
        print(
            f"kefu demo: no demo password: set KEFU_DEMO_PASSWORD as for `kefu up`, or run it"
            f" with the KEFU_HOME of the running stack (looked in {settings.home})",
            file=sys.stderr,
        )
        return 1
    gateway = settings.url_of("gateway")
    try:
        with progress_bar(STAFF_STEPS) as steps:
            created = asyncio.run(fill(settings, password, orders=orders, seed=seed, steps=steps))
    except KafkaConnectionError as exc:
        print(
            f"kefu demo: cannot reach Kafka at {settings.kafka_bootstrap} ({exc});"
            " is `kefu up` running? (it writes its settings to KEFU_HOME/stack.env)",
            file=sys.stderr,
        )
        return 1
    except httpx.TransportError as exc:
        print(f"kefu demo: cannot reach the gateway at {gateway} ({exc!r})", file=sys.stderr)
        return 1
    except DemoError as exc:
        print(f"kefu demo: {exc}", file=sys.stderr)
        return 1
    sample = created.vouchers
    print(
        f"Published {len(sample.issued)} exchange orders ({sample.vouchers} vouchers),"
        f" {len(sample.redeemed)} redemptions and {len(created.rental.events)} bike-platform"
        f" events to {settings.kafka_bootstrap}; the demo accounts worked through {gateway}"
        f" (seed {seed}). Running it again changes nothing."
    )
    for area, items in created.shown.items():
        print(f"\n{area.capitalize()}:")
        for what, where in items.items():
            print(f"  {where:<24} {what}")
    print("\nVoucher paths to try (GET /api/v1/vouchers?phone=... or ?code=...):")
    for what, where in sample.highlights.items():
        print(f"  {where:<40} {what}")
    print('\nFive things to try (sign in first: README, "First steps"):')
    for n, (what, header, path) in enumerate(five_things(created, seed), start=1):
        print(f"  {n}. {what}:")
        print(f'     curl -s -H "${header}" "{gateway}{path}"')
    return 0
