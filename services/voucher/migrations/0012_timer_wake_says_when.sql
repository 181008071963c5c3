-- The timer wakes (0007) say when the new timer is due, in epoch seconds: the sweep
-- (shared/timers.py) ignores one due after its planned look, which sees it anyway. Each
-- saga's timer is a lease ahead, far past the sweep's backstop: at light load every one
-- found no earlier timer and woke the sweep to sweep and plan again for nothing.

CREATE OR REPLACE FUNCTION wake_timers_of_sagas() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM reversal_sagas
         WHERE state IN ('voiding', 'refund_requested') AND due_at <= NEW.due_at
           AND saga_id <> NEW.saga_id
    ) THEN
        PERFORM pg_notify('voucher_timers', extract(epoch FROM NEW.due_at)::text);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION wake_timers_of_voids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM operations
         WHERE type = 'void' AND status = 'pending' AND due_at <= NEW.due_at
           AND operation_id <> NEW.operation_id
    ) THEN
        PERFORM pg_notify('voucher_timers', extract(epoch FROM NEW.due_at)::text);
    END IF;
    RETURN NULL;
END $$;
