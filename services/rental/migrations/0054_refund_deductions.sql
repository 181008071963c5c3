-- Seed 004: a stored-value refund goes back to the original payment account, less the
-- promotional bonus given at the top-up and the brand's fee.
-- top_up_bonus: the bonus a counter top-up earned (balance +, once per serial number);
-- refund_bonus_deducted / refund_fee: the part of a paid stored-value refund's held
-- money kept back (held -, once per request), beside refund_paid (what was paid out).
ALTER TABLE account_ledger DROP CONSTRAINT account_ledger_kind_check;
ALTER TABLE account_ledger ADD CONSTRAINT account_ledger_kind_check CHECK (kind IN ('top_up',
    'deposit_paid', 'deposit_adjusted', 'rental_charge', 'insurance_fee', 'refund_held',
    'refund_paid', 'refund_restored', 'rental_charge_raised', 'rental_charge_lowered',
    'top_up_bonus', 'refund_bonus_deducted', 'refund_fee'));

ALTER TABLE topups ADD COLUMN bonus_cents bigint NOT NULL DEFAULT 0 CHECK (bonus_cents >= 0);

-- amount_cents stays what leaves the balance (held); payout_cents is what the refund
-- service pays (amount - bonus_deducted - fee), to payout_method / payout_account: the
-- account the newest counter top-up came from (none: the platform's own channel).
ALTER TABLE refund_requests
    ADD COLUMN bonus_deducted_cents bigint NOT NULL DEFAULT 0 CHECK (bonus_deducted_cents >= 0),
    ADD COLUMN fee_cents bigint NOT NULL DEFAULT 0 CHECK (fee_cents >= 0),
    ADD COLUMN payout_cents bigint,
    ADD COLUMN payout_method text,
    ADD COLUMN payout_account text;
UPDATE refund_requests SET payout_cents = amount_cents WHERE payout_cents IS NULL;
ALTER TABLE refund_requests ALTER COLUMN payout_cents SET NOT NULL,
    ADD CONSTRAINT refund_requests_payout_check
        CHECK (payout_cents > 0 AND payout_cents + bonus_deducted_cents + fee_cents = amount_cents);
