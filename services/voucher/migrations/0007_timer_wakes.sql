-- The timer sweep (services/voucher/handlers/timers.py) sleeps until the earliest due_at.
-- A timer set sooner than every other one tells it, in the transaction that sets it: the
-- wake comes with the commit, whichever replica wrote it. A timer set later than another
-- needs no wake: the sweep wakes for the earlier one first and plans again then.

CREATE FUNCTION wake_timers_of_sagas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM reversal_sagas
         WHERE state IN ('voiding', 'refund_requested') AND due_at <= NEW.due_at
           AND saga_id <> NEW.saga_id
    ) THEN
        PERFORM pg_notify('voucher_timers', '');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER reversal_sagas_timer_wake
    AFTER INSERT OR UPDATE OF due_at, state ON reversal_sagas
    FOR EACH ROW WHEN (NEW.due_at IS NOT NULL AND NEW.state IN ('voiding', 'refund_requested'))
    EXECUTE FUNCTION wake_timers_of_sagas();

CREATE FUNCTION wake_timers_of_voids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM operations
         WHERE type = 'void' AND status = 'pending' AND due_at <= NEW.due_at
           AND operation_id <> NEW.operation_id
    ) THEN
        PERFORM pg_notify('voucher_timers', '');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER operations_timer_wake
    AFTER INSERT OR UPDATE OF due_at, status ON operations
    FOR EACH ROW WHEN (NEW.due_at IS NOT NULL AND NEW.type = 'void' AND NEW.status = 'pending')
    EXECUTE FUNCTION wake_timers_of_voids();
