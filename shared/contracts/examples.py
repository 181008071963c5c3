"""One example message per topic, as its producer would publish it.

They are the examples of ``docs/asyncapi.yaml``, so a publishing team can copy one and
send it. A unit test validates each against its contract model and against the JSON
schema in the document. Times are UTC, as every event carries them
(``shared/timestamps.py``); the ids hang together (one user, one order, one trip).
"""

from __future__ import annotations

from typing import Any

_POINT = {
    "point_id": "P12",
    "name": "西湖断桥租赁点",
    "latitude": "30.259244",
    "longitude": "120.1302",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "voucher.issued.v1": {
        "merchant_order_no": "M20181230101322001",
        "user_id": "U10001",
        "phone": "13800138000",
        "source": "bubble",
        "points_deducted": 2000,
        "deduction_status": "deducted",
        "exchanged_at": "2018-12-30T02:13:22Z",
        "vouchers": [
            {
                "code": "22015118222201812301",
                "face_value": "10.00",
                "valid_from": "2018-12-30",
                "valid_to": "2019-01-29",
            }
        ],
    },
    "voucher.redeemed.v1": {
        "code": "22015118222201812301",
        "redeemed_at": "2019-01-03T11:42:10Z",
        "store_id": "S0351",
    },
    "points.reversal.requested.v1": {
        "refund_id": "5c1d7f0e-3b7a-4f35-9a47-1f1f2d0c8e11-refund",
        "merchant_order_no": "M20181230101322001",
        "user_id": "U10001",
        "source": "bubble",
        "points": 2000,
        "reason": "Customer asked to return the points, ticket 20190105-0042",
        "requested_by": "agent",
        "attempt": 1,
    },
    "points.reversal.result.v1": {
        "refund_id": "5c1d7f0e-3b7a-4f35-9a47-1f1f2d0c8e11-refund",
        "merchant_order_no": "M20181230101322001",
        "user_id": "U10001",
        "points": 2000,
        "status": "succeeded",
        "failure": None,
        "attempt": 1,
        "completed_at": "2019-01-05T06:30:02Z",
    },
    "notify.sms.requested.v1": {
        "template_id": "refund_paid",
        "params": {"order_no": "TK20261123100012", "amount": "88.00"},
        "dedupe_key": "refund-form-RF20261123004-paid-customer",
        "requested_by": "refund",
        "phone": "13900139000",
    },
    "notify.inapp.requested.v1": {
        "template_id": "points_refunded",
        "params": {"merchant_order_no": "M20181230101322001", "points": 2000},
        "dedupe_key": "reversal-5c1d7f0e-3b7a-4f35-9a47-1f1f2d0c8e11-points-refunded",
        "requested_by": "voucher",
        "recipient": "U10001",
        "recipient_kind": "user",
    },
    "notify.sms.sent.v1": {
        "sms_id": 4711,
        "dedupe_key": "refund-form-RF20261123004-paid-customer",
        "phone": "13900139000",
        "template_id": "refund_paid",
        "provider": "sandbox-primary",
        "provider_message_id": "PRI-20190105-000123",
        "attempts": 1,
        "sent_at": "2026-11-23T06:30:05Z",
    },
    "notify.sms.failed.v1": {
        "sms_id": 4712,
        "dedupe_key": "refund-form-RF20261123005-paid-customer",
        "phone": "13600136000",
        "template_id": "refund_paid",
        "reason": "providers_unavailable",
        "detail": "primary: timeout; secondary: 503",
        "attempts": 5,
        "failed_at": "2026-11-23T07:12:40Z",
    },
    "refund.requested.v1": {
        "request_id": "rental-deposit-R10001-1",
        "requester": "rental",
        "kind": "deposit",
        "user_id": "R10001",
        "amount_cents": 29900,
        "phone": "13700137000",
        "reason": "Customer closes the account, deposit back to the card",
        "requested_by": "agent",
        "requested_at": "2026-11-23T02:05:00Z",
    },
    "refund.completed.v1": {
        "request_id": "rental-deposit-R10001-1",
        "refund_id": "RQ20261123000017",
        "requester": "rental",
        "kind": "deposit",
        "user_id": "R10001",
        "amount_cents": 29900,
        "approved_by": "ops",
        "payout_reference": "PAY-20261123-88231",
        "completed_at": "2026-11-23T03:40:12Z",
    },
    "refund.rejected.v1": {
        "request_id": "rental-stored-value-R10002-1",
        "refund_id": "RQ20261123000018",
        "requester": "rental",
        "kind": "stored_value",
        "user_id": "R10002",
        "amount_cents": 5000,
        "reason": "rejected_by_supervisor",
        "detail": "The balance was a promotion credit, not paid money",
        "rejected_by": "ops2",
        "rejected_at": "2026-11-23T03:41:00Z",
    },
    "refund.sla.breached.v1": {
        "form_id": "RF20261123004",
        "order_no": "TK20261123100012",
        "step": "submission_to_finance",
        "due_at": "2026-11-23T04:00:00Z",
        "breached_at": "2026-11-23T04:00:01Z",
        "assignee_role": "duty_lead",
    },
    "rental.user.registered.v1": {
        "event_id": "evt-user-R10001",
        "user_id": "R10001",
        "phone": "13700137000",
        "name": "李四",
        "card_type": "student",
        "registered_at": "2026-11-01T01:00:00Z",
    },
    "rental.trip.started.v1": {
        "event_id": "evt-trip-T0042-started",
        "trip_id": "T0042",
        "user_id": "R10001",
        "bike_id": "B3306",
        "started_at": "2026-11-23T10:18:00Z",
        "start_point": _POINT,
    },
    "rental.trip.ended.v1": {
        "event_id": "evt-trip-T0042-ended",
        "trip_id": "T0042",
        "user_id": "R10001",
        "bike_id": "B3306",
        "ended_at": "2026-11-23T11:02:00Z",
        "end_point": _POINT,
        "charge_cents": 200,
    },
    "rental.lock.state.reported.v1": {
        "event_id": "evt-lock-B3306-0107",
        "bike_id": "B3306",
        "state": "locked",
        "reported_at": "2026-11-23T11:02:03Z",
    },
    "rental.payment.received.v1": {
        "event_id": "evt-pay-PAY88231",
        "payment_id": "PAY88231",
        "user_id": "R10001",
        "kind": "rental_charge",
        "amount_cents": 200,
        "trip_id": "T0042",
        "paid_at": "2026-11-23T11:02:05Z",
        "from_balance": True,
    },
    "rental.feedback.submitted.v1": {
        "event_id": "evt-feedback-FB0007",
        "feedback_id": "FB0007",
        "user_id": "R10001",
        "content": "锁车后仍在计费",
        "trip_id": "T0042",
        "submitted_at": "2026-11-23T11:10:00Z",
    },
    "rental.insurance.applied.v1": {
        "event_id": "evt-insurance-IA0003",
        "application_id": "IA0003",
        "user_id": "R10001",
        "trip_id": "T0042",
        "description": "Fell at the crossing, grazed knee; clinic receipt attached in the app",
        "claimed_cents": 12000,
        "applied_at": "2026-11-23T12:00:00Z",
    },
    "rental.user.blacklisted.v1": {
        "user_id": "R10003",
        "reason": "Three unpaid trips after reminders",
        "by": "agent",
        "at": "2026-11-24T01:30:00Z",
    },
    "rental.user.restored.v1": {
        "user_id": "R10003",
        "reason": "Arrears paid at the counter",
        "by": "lead",
        "at": "2026-11-25T02:00:00Z",
    },
}
"""Payloads by topic name: every topic of ``shared.contracts.TOPICS`` has one."""


def example_time(payload: dict[str, Any]) -> str:
    """When the example happened (its ``ce_time``): the first time field of its payload,
    or a fixed time for a request that carries none."""
    for name, value in payload.items():
        if name == "at" or name.endswith("_at"):
            return str(value)
    return "2019-01-05T06:30:00Z"
