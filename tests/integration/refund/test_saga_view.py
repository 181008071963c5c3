"""kefu saga show refund: a refund form's approval chain read back step by step."""

from __future__ import annotations

import pytest

from tests.integration.ops.conftest import kefu
from tests.integration.refund.conftest import CHAIN, Refund, phone

pytestmark = pytest.mark.integration


async def test_saga_show_prints_a_refund_forms_steps_without_the_phone(refund: Refund) -> None:
    database = refund.app.state.platform.service
    number = phone()
    form = await refund.file(phone=number)
    form_id = form["form_id"]
    for path, who in CHAIN[:2]:
        await refund.step(form_id, path, who, opinion=f"{path} ok")

    status, shown = await kefu(
        refund.settings, "saga", "show", "refund", form_id, "--database", database
    )
    assert status == 0, shown
    lines = shown.splitlines()
    assert lines[0] == f"refund refund form saga {form_id}"
    assert f"  order_no: {form['order_no']}" in lines and "  amount_cents: 5000" in lines
    assert number not in shown  # no phone column is read
    steps = [line.split()[1:5] for line in lines[lines.index("history (3 steps):") + 1 :]]
    assert steps == [
        ["filed", "-", "->", "awaiting_lead_check"],
        ["lead_check", "awaiting_lead_check", "->", "awaiting_tech_verification"],
        ["tech_verification", "awaiting_tech_verification", "->", "awaiting_finance_submission"],
    ]
    assert "  state: awaiting_finance_submission" in lines
    # (a trace_id follows when the step ran inside a traced request)
    assert "executor=tech executor_role=tech" in lines[-1]

    by_order = await kefu(
        refund.settings, "saga", "show", "refund", form["order_no"], "--database", database
    )
    assert by_order == (0, shown)
