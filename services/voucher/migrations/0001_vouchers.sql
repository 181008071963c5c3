-- Exchange orders and their vouchers, as issued by the exchange platform.

CREATE TABLE orders (
    merchant_order_no text        PRIMARY KEY,
    user_id           text        NOT NULL,
    phone             text        NOT NULL,
    source            text        NOT NULL CHECK (source IN ('bubble', 'telecom_points', 'e_coupon')),
    points_deducted   integer     NOT NULL CHECK (points_deducted >= 0),
    deduction_status  text        NOT NULL CHECK (deduction_status IN ('deducted', 'pending', 'failed', 'refunded')),
    exchanged_at      timestamptz NOT NULL,
    order_status      text        NOT NULL DEFAULT 'exchanged'
                      CHECK (order_status IN ('exchanged', 'reversing', 'reversal_failed', 'reversed')),
    received_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per voucher. Order fields the query filters on are copied here, so
-- every filter is one index range scan in (exchanged_at, code) order.
CREATE TABLE vouchers (
    code              text          PRIMARY KEY,
    merchant_order_no text          NOT NULL REFERENCES orders (merchant_order_no),
    user_id           text          NOT NULL,
    phone             text          NOT NULL,
    source            text          NOT NULL,
    exchanged_at      timestamptz   NOT NULL,
    face_value        numeric(12,2) NOT NULL CHECK (face_value > 0),
    valid_from        date          NOT NULL,
    valid_to          date          NOT NULL,
    status            text          NOT NULL DEFAULT 'available'
                      CHECK (status IN ('available', 'used', 'voided')),
    redeemed_at       timestamptz,
    store_id          text,
    voided_at         timestamptz,
    voided_by         uuid
    -- the operation (void or reversal) that voided it: a resumed reversal skips its own
);

-- Keyset pagination: newest exchange first, code breaks ties.
CREATE INDEX vouchers_newest        ON vouchers (exchanged_at DESC, code DESC);
CREATE INDEX vouchers_phone         ON vouchers (phone, exchanged_at DESC, code DESC);
CREATE INDEX vouchers_user          ON vouchers (user_id, exchanged_at DESC, code DESC);
CREATE INDEX vouchers_order         ON vouchers (merchant_order_no, code);
CREATE INDEX vouchers_source        ON vouchers (source, exchanged_at DESC, code DESC);
CREATE INDEX vouchers_status        ON vouchers (status, exchanged_at DESC, code DESC);
