-- A service's timer sweep (shared/timers.py) sleeps until its earliest timer. A trigger
-- on a table of timers written now and then (an announcement's schedule, a refund's time
-- limit) calls this with the sweep's channel: the wake comes with the commit that sets
-- the timer, whichever replica wrote it. Busy tables wake only for a sooner timer instead
-- (the voucher service's own triggers).
CREATE FUNCTION wake_timer_sweep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_ARGV[0], '');
    RETURN NULL;
END $$;
