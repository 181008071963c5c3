-- Refund forms (退款单) and their approval chain.
-- Readers (handover, reports) may rely on these columns; amounts are integer cents (fen).

-- One form per order number, ever: a form sent back is corrected and resubmitted,
-- never filed again, so the refunded total of an order is at most one form's amount.
CREATE TABLE refund_forms (
    form_id           text        PRIMARY KEY,          -- 'RF' + 12 hex, shown to staff
    order_no          text        NOT NULL UNIQUE,      -- the TK order number
    purchased_at      timestamptz NOT NULL,             -- to the minute
    bank              text        NOT NULL,
    amount_cents      bigint      NOT NULL CHECK (amount_cents > 0),
    paid_cents        bigint      NOT NULL,             -- what the customer paid for the order
    phone             text        NOT NULL,             -- the registered phone (told by SMS)
    fault             text        NOT NULL,             -- fault description (故障现象)
    cause             text        NOT NULL
                      CHECK (cause IN ('no_order_no', 'order_conflict', 'payment_timeout', 'other')),
    customer_opinion  text        NOT NULL,
    complaint_at      timestamptz NOT NULL,             -- when the customer complained
    filed_by          text        NOT NULL,
    filed_at          timestamptz NOT NULL,
    -- awaiting_lead_check → awaiting_tech_verification → awaiting_finance_submission →
    -- awaiting_cashier_check → awaiting_accountant_review → awaiting_director_approval →
    -- paying → completed (paid, agent told, customer told); sent_back from any review
    -- step returns to the agent; payout_failed waits for a person.
    state             text        NOT NULL CHECK (state IN (
                          'awaiting_lead_check', 'awaiting_tech_verification',
                          'awaiting_finance_submission', 'awaiting_cashier_check',
                          'awaiting_accountant_review', 'awaiting_director_approval',
                          'paying', 'payout_failed', 'completed', 'sent_back')),
    round             integer     NOT NULL DEFAULT 1,   -- 1, then one more per resubmission
    tech_finding      text,                              -- what the technical team found
    waiting_customer_since timestamptz,                 -- set while waiting on the customer
    submitted_to_finance_at timestamptz,                -- latest submission to finance
    finance_approved_at timestamptz,                    -- the finance director's approval
    sent_back_at      timestamptz,                      -- latest send-back by a review step
    sent_back_step    text,
    sent_back_reason  text,
    paid_at           timestamptz,
    payout_reference  text,
    completed_at      timestamptz,
    updated_at        timestamptz NOT NULL,
    CHECK (amount_cents <= paid_cents)                  -- never refund more than was paid
);
CREATE INDEX refund_forms_state ON refund_forms (state, filed_at);
CREATE INDEX refund_forms_filed_at ON refund_forms (filed_at);

-- Every step of every form, append-only: who decided what, when, with which opinion.
-- step: filed, resubmitted, lead_check, tech_verification, finance_submission,
-- cashier_check, accountant_review, director_approval, waiting_customer,
-- customer_replied, payout_failed, payout_retried, paid, agent_told, customer_told.
-- decision: approved / sent_back for review steps; done for the others.
CREATE TABLE refund_form_steps (
    id            bigserial   PRIMARY KEY,
    form_id       text        NOT NULL REFERENCES refund_forms (form_id),
    round         integer     NOT NULL,
    step          text        NOT NULL,
    decision      text        NOT NULL CHECK (decision IN ('approved', 'sent_back', 'done')),
    opinion       text        NOT NULL DEFAULT '',
    executor      text        NOT NULL,                 -- a username, or 'system'
    executor_role text        NOT NULL,
    from_state    text,
    to_state      text        NOT NULL,
    trace_id      text,
    at            timestamptz NOT NULL
);
CREATE INDEX refund_form_steps_form ON refund_form_steps (form_id, id);
CREATE INDEX refund_form_steps_at ON refund_form_steps (at, step);

-- The time limits, one durable timer per form and limit: filing (10 min from the
-- complaint), submission_to_finance (60 min from filing), finance (12 h from the
-- submission until paid). A paused timer (waiting on the customer) has paused_at;
-- resuming moves due_at on by the pause. A breach is recorded once per limit.
CREATE TABLE refund_form_deadlines (
    form_id      text        NOT NULL REFERENCES refund_forms (form_id),
    step         text        NOT NULL CHECK (step IN ('filing', 'submission_to_finance', 'finance')),
    due_at       timestamptz NOT NULL,
    paused_at    timestamptz,
    met_at       timestamptz,                           -- the step was done (or left) in time or not
    breached_at  timestamptz,
    PRIMARY KEY (form_id, step)
);
CREATE INDEX refund_form_deadlines_open ON refund_form_deadlines (due_at)
    WHERE met_at IS NULL AND breached_at IS NULL AND paused_at IS NULL;
