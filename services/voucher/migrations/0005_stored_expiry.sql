-- Expiry is stored: the expiry sweep (handlers/expiry.py) turns an available
-- voucher whose validity ended into 'expired', so the expired filter reads an
-- index instead of deriving it row by row. Until the sweep reaches a voucher,
-- readers still derive it (available and valid_to before today).

-- Only widens the old check, so every existing row passes it.
ALTER TABLE vouchers DROP CONSTRAINT vouchers_status_check;
ALTER TABLE vouchers ADD CONSTRAINT vouchers_status_check
    CHECK (status IN ('available', 'used', 'voided', 'expired'));

-- Holds only available vouchers: what the sweep has still to expire is its
-- head, and after a sweep that head is all the expired filter has to derive.
CREATE INDEX vouchers_available_valid_to ON vouchers (valid_to) WHERE status = 'available';
