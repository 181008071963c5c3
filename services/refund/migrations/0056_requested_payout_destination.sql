-- Where a requested refund's money goes back (seed 004: a stored-value refund pays back
-- to the original paying account): the method and account the requester recorded on its
-- form. Null: the platform's own payment channel for the user (a deposit).
ALTER TABLE requested_refunds
    ADD COLUMN IF NOT EXISTS payout_method text,
    ADD COLUMN IF NOT EXISTS payout_account text;
