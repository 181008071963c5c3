-- Refunds other services ask for (refund.requested.v1): deposits and stored value.
-- One per request_id, however often the request arrives.

CREATE TABLE requested_refunds (
    refund_id     text        PRIMARY KEY,              -- 'RR' + 12 hex
    request_id    text        NOT NULL UNIQUE,
    requester     text        NOT NULL,
    kind          text        NOT NULL CHECK (kind IN ('deposit', 'stored_value')),
    user_id       text        NOT NULL,
    amount_cents  bigint      NOT NULL CHECK (amount_cents > 0),
    phone         text,
    reason        text        NOT NULL,
    requested_by  text        NOT NULL,
    requested_at  timestamptz NOT NULL,
    received_at   timestamptz NOT NULL,
    state         text        NOT NULL CHECK (state IN (
                      'awaiting_approval', 'paying', 'payout_failed', 'completed', 'rejected')),
    decided_by    text,                                 -- the ops supervisor (or 'system')
    decided_at    timestamptz,
    opinion       text,
    business_day  date,                                 -- the day whose caps it counted on
    rejection     text,                                 -- a RefundRejection of the contract
    detail        text,
    payout_reference text,
    completed_at  timestamptz,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX requested_refunds_state ON requested_refunds (state, received_at);

-- The daily window and caps an ops supervisor sets (one row).
CREATE TABLE requested_refund_policy (
    id                     boolean     PRIMARY KEY DEFAULT true CHECK (id),
    window_start           time        NOT NULL,        -- business time zone
    window_end             time        NOT NULL,
    daily_amount_cap_cents bigint      NOT NULL CHECK (daily_amount_cap_cents >= 0),
    daily_count_cap        integer     NOT NULL CHECK (daily_count_cap >= 0),
    updated_by             text        NOT NULL,
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (window_start < window_end)
);
INSERT INTO requested_refund_policy
    (window_start, window_end, daily_amount_cap_cents, daily_count_cap, updated_by)
VALUES ('09:00', '18:00', 5000000, 200, 'system');

-- What each business day has approved so far: locked FOR UPDATE by each approval,
-- so concurrent approvals never pass the caps together.
CREATE TABLE requested_refund_days (
    day             date    PRIMARY KEY,
    approved_cents  bigint  NOT NULL DEFAULT 0,
    approved_count  integer NOT NULL DEFAULT 0
);
