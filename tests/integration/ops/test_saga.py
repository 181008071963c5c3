"""kefu saga show: a real order reversal run by the voucher service, read back step by step."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.refund.app import MIGRATIONS as REFUND_MIGRATIONS
from services.voucher.app import create_app
from shared.contracts import POINTS_REVERSAL_REQUESTED, POINTS_REVERSAL_RESULT, VOUCHER_ISSUED
from shared.db.migrate import SHARED_MIGRATIONS, migrate
from shared.db.pool import create_pool, ensure_database
from shared.ops.sagas import sources_of
from shared.settings import Settings
from tests.infra import eventually
from tests.integration.ops.conftest import kefu
from tests.integration.voucher.conftest import SHANGHAI, make_order
from tests.internal_calls import SignedLikeTheGateway
from tests.kafka import publish

pytestmark = pytest.mark.integration
ACTOR = {"X-Kefu-Actor": "agent.li", "X-Kefu-Roles": "agent"}


async def test_saga_show_prints_a_reversals_steps(settings: Settings, unique: str) -> None:
    instance = f"voucher_{unique}"
    order_no, codes = f"MOPS{unique}", [f"OPS{unique}1", f"OPS{unique}2"]
    app = create_app(settings, service=instance)
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    async with app.router.lifespan_context(app):
        await producer.start()
        try:
            pool = app.state.deps.pool
            order = make_order(order_no, codes, user_id=f"U{unique}", points=1500)
            await publish(producer, VOUCHER_ISSUED.name, order, key=order_no)

            async def issued() -> bool:
                n = await pool.fetchval("SELECT count(*) FROM vouchers WHERE code = ANY($1)", codes)
                return bool(n == 2)

            await eventually(issued, what="vouchers issued")
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://v", auth=SignedLikeTheGateway.for_app(app)
            ) as http:
                response = await http.post(
                    f"/orders/{order_no}/reversal", json={"reason": "用户要求返销"}, headers=ACTOR
                )
            assert response.status_code == 200, response.text

            async def refund_request() -> dict[str, Any] | None:
                payload = await pool.fetchval(
                    "SELECT payload FROM outbox WHERE topic = $1 AND key = $2",
                    POINTS_REVERSAL_REQUESTED.name,
                    order_no,
                )
                return json.loads(payload) if payload else None

            request = await eventually(refund_request, what="points refund requested")
            answer = {
                **{k: request[k] for k in ("refund_id", "merchant_order_no", "user_id", "points")},
                "status": "succeeded",
                "failure": None,
                "attempt": request["attempt"],
                "completed_at": datetime.now(SHANGHAI).isoformat(),
            }
            await publish(producer, POINTS_REVERSAL_RESULT.name, answer, key=order_no)

            async def succeeded() -> Any:
                return await pool.fetchval(
                    "SELECT saga_id FROM reversal_sagas WHERE merchant_order_no = $1"
                    " AND state = 'succeeded'",
                    order_no,
                )

            saga_id = await eventually(succeeded, what="reversal succeeded")
        finally:
            await producer.stop()

    status, shown = await kefu(
        settings, "saga", "show", "voucher", str(saga_id), "--database", instance
    )
    assert status == 0, shown
    lines = shown.splitlines()
    assert lines[0] == f"voucher reversal saga {saga_id}"
    assert "  state: succeeded" in lines and f"  merchant_order_no: {order_no}" in lines
    steps = [line.split()[1:5] for line in lines[lines.index("history (3 steps):") + 1 :]]
    assert steps == [
        ["started", "-", "->", "voiding"],
        ["vouchers_voided", "voiding", "->", "refund_requested"],
        ["refund_succeeded", "refund_requested", "->", "succeeded"],
    ]

    by_order = await kefu(settings, "saga", "show", "voucher", order_no, "--database", instance)
    assert by_order == (0, shown)
    assert (await kefu(settings, "saga", "show", "voucher", "M-none", "--database", instance))[
        0
    ] == 2
    assert (await kefu(settings, "saga", "show", "nosuch", str(saga_id)))[0] == 2


async def test_the_refund_form_queries_fit_the_refund_services_schema(
    settings: Settings, unique: str
) -> None:
    """The registry's SQL runs against the refund service's migrated database."""
    instance = f"refund_{unique}"
    url = settings.database_url_for(instance)
    await ensure_database(url)
    pool = await create_pool(url, max_size=2)
    try:
        await migrate(pool, [("shared", SHARED_MIGRATIONS), ("refund", REFUND_MIGRATIONS)])
        async with pool.acquire() as conn:
            for source in sources_of("refund"):
                await conn.prepare(source.state_sql)  # a missing column fails here
                await conn.prepare(source.history_sql)
    finally:
        await pool.close()
    status, _ = await kefu(
        settings, "saga", "show", "refund", "RF000000000000", "--database", instance
    )
    assert status == 2  # the queries ran and found no such form
