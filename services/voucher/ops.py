"""What the operations tools read of this service (``kefu saga show voucher``, shared/ops/).

Read-only SQL beside the tables it reads, so a column renamed in a migration is
found here (tests/integration/ops/test_saga.py prepares each query).
"""

from __future__ import annotations

from shared.ops.sagas import SagaSource

SAGAS = (
    SagaSource(
        service="voucher",
        saga="reversal",
        state_sql="SELECT * FROM reversal_sagas WHERE saga_id::text = $1 OR merchant_order_no = $1",
        history_sql=(
            "SELECT at, event, from_state, to_state, failure, attempt, refund_attempt, detail,"
            " trace_id FROM reversal_saga_history WHERE saga_id = $1 ORDER BY id"
        ),
    ),
)
"""The reversal saga, by its id or the order's merchant order number."""
