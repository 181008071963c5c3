"""The note a successful reversal leaves for the customer, as the notify service reads it."""

from __future__ import annotations

import uuid

from services.notify.domain.templates import TEMPLATES, render
from services.voucher.domain.saga import ReversalSaga, SagaState
from services.voucher.handlers.notifications import points_refunded

SAGA = ReversalSaga(uuid.uuid4(), "M20181230101322001", SagaState.SUCCEEDED)


def test_the_note_fills_every_blank_of_the_points_refunded_template() -> None:
    note = points_refunded(SAGA, user_id="U10001", points=2000)
    assert set(note.params) == set(TEMPLATES["points_refunded"].params)
    rendered = render(note.template_id, note.params, note.text, note.title)
    assert rendered.text == "您的订单M20181230101322001已返销，2000泡泡积分已退回您的账户。"


def test_the_note_goes_to_the_customers_inbox_once_per_saga() -> None:
    note = points_refunded(SAGA, user_id="U10001", points=2000)
    again = points_refunded(SAGA, user_id="U10001", points=2000)
    other = points_refunded(
        ReversalSaga(uuid.uuid4(), SAGA.merchant_order_no, SagaState.SUCCEEDED),
        user_id="U10001",
        points=2000,
    )
    assert (note.recipient, note.recipient_kind) == ("U10001", "user")
    assert note.dedupe_key == again.dedupe_key == f"reversal-{SAGA.saga_id}-points-refunded"
    assert other.dedupe_key != note.dedupe_key
