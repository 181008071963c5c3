"""What the operations tools read of this service (``kefu saga show refund``, shared/ops/).

Read-only SQL beside the tables it reads, so a column renamed in a migration is
found here (tests/integration/ops/test_saga.py prepares each query).
"""

from __future__ import annotations

from shared.ops.sagas import SagaSource

SAGAS = (
    SagaSource(
        service="refund",
        saga="refund form",
        # named columns: the form's phone number must not be printed in clear
        state_sql=(
            "SELECT form_id AS saga_id, order_no, state, round, amount_cents, cause, filed_by,"
            " filed_at, submitted_to_finance_at, finance_approved_at, sent_back_step,"
            " sent_back_reason, paid_at, payout_reference, completed_at, updated_at"
            " FROM refund_forms WHERE form_id = $1 OR order_no = $1"
        ),
        history_sql=(
            "SELECT at, step AS event, from_state, to_state, round, decision, opinion, executor,"
            " executor_role, trace_id FROM refund_form_steps WHERE form_id = $1 ORDER BY id"
        ),
    ),
)
"""A refund form's approval chain, by the form's id or its order number."""
