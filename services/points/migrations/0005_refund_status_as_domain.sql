-- A settled refund's status as a domain instead of a table CHECK constraint: the same two
-- values allowed. The table's CHECK constraints are read from their text and compiled again
-- by every statement that writes the table; a domain's check once per connection (the
-- voucher service's migration 0012 says more). The column changes to the domain with no
-- check yet (the same bytes: no rewrite, its index kept), then the domain gets its check,
-- which reads the rows once. The check tying status to failure stays on the table, and so
-- do the numeric ones, and the sandbox provider's ledger (it stands for the provider's
-- books) keeps its own.

CREATE DOMAIN refund_status AS text;

ALTER TABLE point_refunds
    DROP CONSTRAINT point_refunds_status_check,
    ALTER COLUMN status TYPE refund_status;

ALTER DOMAIN refund_status ADD CONSTRAINT refund_status_check
    CHECK (VALUE IN ('succeeded', 'failed'));
