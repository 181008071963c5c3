-- The exception fix's correction of a trip's charge reaches the ledger: the difference
-- between the charge before and after, one movement per fix (reference 'fix:<id>').
ALTER TABLE account_ledger DROP CONSTRAINT account_ledger_kind_check;
ALTER TABLE account_ledger ADD CONSTRAINT account_ledger_kind_check CHECK (kind IN ('top_up',
    'deposit_paid', 'deposit_adjusted', 'rental_charge', 'insurance_fee', 'refund_held',
    'refund_paid', 'refund_restored', 'rental_charge_raised', 'rental_charge_lowered'));
