"""A stream of order reversals through the gateway, as agents would send it during a fault.

Each command is an order reversal with its own Idempotency-Key, retried with the same
key on a 5xx, a 409 ``request_in_progress`` or a broken connection (what an agent's
client does), until it is answered or the stream's deadline passes. Accepted commands
are then followed to their final state. Every loop is bounded in time.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass

import httpx

from shared.contracts import VoucherIssued

RETRY_PAUSE_SECONDS = 0.3
REASON = "fault suite: customer asked"


@dataclass
class Command:
    order: VoucherIssued
    key: str
    sent_at: float = 0.0
    answered_at: float | None = None
    operation_id: str | None = None
    refused: str | None = None
    final: str | None = None
    finished_at: float | None = None
    tries: int = 0

    @property
    def accepted(self) -> bool:
        return self.operation_id is not None


async def reverse(client: httpx.AsyncClient, command: Command, deadline: float) -> None:
    """Send the reversal until it is answered (accepted or refused) or ``deadline``."""
    path = f"/api/v1/orders/{command.order.merchant_order_no}/reversal"
    command.sent_at = time.monotonic()
    while time.monotonic() < deadline:
        command.tries += 1
        try:
            response = await client.post(
                path, json={"reason": REASON}, headers={"Idempotency-Key": command.key}
            )
        except httpx.HTTPError:
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        status = response.status_code
        if status in (200, 202):
            body = response.json()
            command.answered_at = time.monotonic()
            command.operation_id = body["operation_id"]
            if body["status"] != "pending":
                command.final, command.finished_at = body["status"], command.answered_at
            return
        code = _code(response)
        if status >= 500 or (status == 409 and code == "request_in_progress"):
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            continue
        command.refused = f"{status} {code}"
        return


def _code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code"))
    except ValueError:
        return f"not JSON: {response.text[:80]!r}"


async def run_clients(
    client: httpx.AsyncClient,
    orders: list[VoucherIssued],
    commands: list[Command],
    *,
    clients: int,
    stop_sending_at: float,
    answer_by: float,
    pause: float,
) -> None:
    """``clients`` agents reverse the orders one after another until the orders run out or
    ``stop_sending_at``, each command (appended to ``commands``) retried until ``answer_by``."""
    queue = list(reversed(orders))

    async def agent() -> None:
        while queue and time.monotonic() < stop_sending_at:
            command = Command(queue.pop(), str(uuid.uuid4()))
            commands.append(command)
            await reverse(client, command, answer_by)
            await asyncio.sleep(pause)

    await asyncio.gather(*(agent() for _ in range(clients)))


async def follow(
    client: httpx.AsyncClient,
    commands: list[Command],
    stream: asyncio.Task[None],
    deadline: float,
) -> None:
    """Poll each accepted command's operation, while the stream runs and after, until every
    one is final or ``deadline``: a finish is seen within half a second of happening."""
    while time.monotonic() < deadline:
        waiting = [c for c in commands if c.accepted and c.final is None]
        if not waiting and stream.done():
            return
        for command in waiting:
            try:
                response = await client.get(f"/api/v1/operations/{command.operation_id}")
            except httpx.HTTPError:
                continue
            if response.status_code == 200 and response.json()["status"] != "pending":
                command.final = response.json()["status"]
                command.finished_at = time.monotonic()
        await asyncio.sleep(0.5)
