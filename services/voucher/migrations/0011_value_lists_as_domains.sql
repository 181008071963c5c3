-- The lists of allowed values that a reversal's writes are checked against, as domains
-- instead of table CHECK constraints: the same values allowed, the same refused.
--
-- Why: a table's CHECK constraints are read from their stored text, const-folded and
-- compiled again by every statement that writes the table (an IN list's array built anew
-- each time), and every one of them is evaluated on every row written, whichever columns
-- change. A domain's check is compiled once per connection (PostgreSQL's type cache) and
-- applies to the value written to that column only. A reversal writes reversal_sagas,
-- operations, operation_records and orders in about ten statements.
--
-- How, without rewriting a table: each column changes to a domain with no check yet (the
-- same stored bytes: no rewrite, its indexes kept, but reversal_sagas_due, whose predicate
-- names state, is built again: it holds the sagas in flight), its old CHECK constraint
-- dropped, and then each domain gets its check, which reads the rows once to prove they
-- pass. A statement's parameter written to such a column is typed as its domain: one used
-- elsewhere in the statement as text needs a cast (`$1::text`). The
-- timer triggers name state, type and status (migration 0007), and a column named by a
-- trigger cannot change type: they are dropped and created again, the same.
-- The checks that tie two columns together (a failed saga has a failure, a void has a
-- code) stay table constraints; vouchers keep theirs (bench/load.py reads
-- vouchers_status_check).

CREATE DOMAIN saga_state AS text;
CREATE DOMAIN failure_reason AS text;
CREATE DOMAIN operation_type AS text;
CREATE DOMAIN operation_status AS text;
CREATE DOMAIN operation_result AS text;
CREATE DOMAIN order_source AS text;
CREATE DOMAIN deduction_status AS text;
CREATE DOMAIN order_status AS text;

DROP TRIGGER reversal_sagas_timer_wake ON reversal_sagas;
DROP TRIGGER operations_timer_wake ON operations;

ALTER TABLE reversal_sagas
    DROP CONSTRAINT reversal_sagas_state_check,
    DROP CONSTRAINT reversal_sagas_failure_check,
    ALTER COLUMN state TYPE saga_state,
    ALTER COLUMN failure TYPE failure_reason;

ALTER TABLE operations
    DROP CONSTRAINT operations_type_check,
    DROP CONSTRAINT operations_status_check,
    DROP CONSTRAINT operations_failure_check,
    ALTER COLUMN type TYPE operation_type,
    ALTER COLUMN status TYPE operation_status,
    ALTER COLUMN failure TYPE failure_reason;

ALTER TABLE operation_records
    DROP CONSTRAINT operation_records_type_check,
    DROP CONSTRAINT operation_records_result_check,
    DROP CONSTRAINT operation_records_failure_check,
    ALTER COLUMN type TYPE operation_type,
    ALTER COLUMN result TYPE operation_result,
    ALTER COLUMN failure TYPE failure_reason;

ALTER TABLE orders
    DROP CONSTRAINT orders_source_check,
    DROP CONSTRAINT orders_deduction_status_check,
    DROP CONSTRAINT orders_order_status_check,
    ALTER COLUMN source TYPE order_source,
    ALTER COLUMN deduction_status TYPE deduction_status,
    ALTER COLUMN order_status TYPE order_status;

ALTER DOMAIN saga_state ADD CONSTRAINT saga_state_check
    CHECK (VALUE IN ('voiding', 'refund_requested', 'succeeded', 'failed'));
ALTER DOMAIN failure_reason ADD CONSTRAINT failure_reason_check
    CHECK (VALUE IN ('void_failed', 'points_refund_failed', 'voucher_used'));
ALTER DOMAIN operation_type ADD CONSTRAINT operation_type_check
    CHECK (VALUE IN ('void', 'reversal'));
ALTER DOMAIN operation_status ADD CONSTRAINT operation_status_check
    CHECK (VALUE IN ('pending', 'succeeded', 'failed'));
ALTER DOMAIN operation_result ADD CONSTRAINT operation_result_check
    CHECK (VALUE IN ('succeeded', 'failed'));
ALTER DOMAIN order_source ADD CONSTRAINT order_source_check
    CHECK (VALUE IN ('bubble', 'telecom_points', 'e_coupon'));
ALTER DOMAIN deduction_status ADD CONSTRAINT deduction_status_check
    CHECK (VALUE IN ('deducted', 'pending', 'failed', 'refunded'));
ALTER DOMAIN order_status ADD CONSTRAINT order_status_check
    CHECK (VALUE IN ('exchanged', 'reversing', 'reversal_failed', 'reversed'));

CREATE TRIGGER reversal_sagas_timer_wake
    AFTER INSERT OR UPDATE OF due_at, state ON reversal_sagas
    FOR EACH ROW WHEN (NEW.due_at IS NOT NULL AND NEW.state IN ('voiding', 'refund_requested'))
    EXECUTE FUNCTION wake_timers_of_sagas();

CREATE TRIGGER operations_timer_wake
    AFTER INSERT OR UPDATE OF due_at, status ON operations
    FOR EACH ROW WHEN (NEW.due_at IS NOT NULL AND NEW.type = 'void' AND NEW.status = 'pending')
    EXECUTE FUNCTION wake_timers_of_voids();
