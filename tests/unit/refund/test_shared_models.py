"""The HTTP shapes in shared/api speak the refund service's domain vocabulary: a state
the domain gains must be added to what the gateway documents (and the service checks)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, get_args

import pytest
from pydantic import ValidationError

from services.refund.aftersales.domain import tickets
from services.refund.domain.forms import ACTIONS, State
from services.refund.domain.requested import RequestedState
from services.refund.reports.domain.handover import Shift
from shared.api import aftersales, refund, refund_reports


@pytest.mark.parametrize(
    ("wire", "domain"),
    [
        (refund.FormState, State),
        (refund.RequestedState, RequestedState),
        (aftersales.TicketStatus, tickets.TicketStatus),
        (aftersales.ReviewOutcome, tickets.ReviewOutcome),
        (aftersales.ServiceType, tickets.ServiceType),
        (aftersales.ProcessingResult, tickets.ProcessingResult),
        (aftersales.Stage, tickets.Stage),
        (refund_reports.Shift, Shift),
    ],
)
def test_each_wire_vocabulary_is_its_domain_enum(wire: Any, domain: type[StrEnum]) -> None:
    assert set(get_args(wire)) == {member.value for member in domain}


def test_the_form_actions_on_the_wire_are_the_domains() -> None:
    assert get_args(refund.FormAction) == ACTIONS


def test_a_body_the_service_would_refuse_is_refused_by_the_shared_model() -> None:
    with pytest.raises(ValueError, match="greater than 0"):
        refund.FormIn.model_validate(
            {
                "order_no": "TK1",
                "purchased_at": "2026-03-10T10:00:00+08:00",
                "bank": "工商银行",
                "amount_cents": 0,
                "paid_cents": 100,
                "phone": "13800138000",
                "fault": "x",
                "cause": "other",
                "customer_opinion": "x",
                "complaint_at": "2026-03-10T10:05:00+08:00",
            }
        )


# Found by the schemathesis run (docs/security.md): a count cap beyond PostgreSQL's integer
# and a window with an offset were each a 500 from PUT /refunds/policy.
@pytest.mark.parametrize(
    "change",
    [
        {"daily_count_cap": 2**31},
        {"window_start": "09:00:00+08:00"},
        {"window_start": "23:06:13.4476+15:52", "window_end": "15:46:35Z"},
    ],
)
def test_a_policy_out_of_what_the_store_holds_is_refused(change: dict[str, object]) -> None:
    body = {
        "window_start": "09:00:00",
        "window_end": "18:00:00",
        "daily_amount_cap_cents": 0,
        "daily_count_cap": 2**31 - 1,
    }
    refund.PolicyIn.model_validate(body)
    with pytest.raises(ValidationError):
        refund.PolicyIn.model_validate({**body, **change})
