-- The refund service's timer sweeps sleep until their earliest timer is due (shared
-- migration 0005's wake_timer_sweep, shared/timers.py). A write that can make a timer due
-- sooner than the sweep planned tells it, in the transaction that writes it; a write that
-- makes a timer later or stops it needs no wake: the sweep wakes for the earlier time it
-- planned and plans again then.

-- A time limit started, restarted, resumed after a pause, or brought forward.
CREATE TRIGGER refund_form_deadlines_timer_wake_insert
    AFTER INSERT ON refund_form_deadlines
    FOR EACH ROW WHEN (NEW.met_at IS NULL AND NEW.breached_at IS NULL AND NEW.paused_at IS NULL)
    EXECUTE FUNCTION wake_timer_sweep('refund_timers');
CREATE TRIGGER refund_form_deadlines_timer_wake_update
    AFTER UPDATE ON refund_form_deadlines
    FOR EACH ROW WHEN (NEW.met_at IS NULL AND NEW.breached_at IS NULL AND NEW.paused_at IS NULL
        AND (OLD.met_at IS NOT NULL OR OLD.breached_at IS NOT NULL OR OLD.paused_at IS NOT NULL
             OR NEW.due_at < OLD.due_at))
    EXECUTE FUNCTION wake_timer_sweep('refund_timers');

-- A payout owed (or owed again by a person), or its next attempt brought forward (a retry
-- sooner than the lease the claim set). A claim moves it later: no wake.
CREATE TRIGGER payouts_timer_wake_insert
    AFTER INSERT ON payouts
    FOR EACH ROW WHEN (NEW.status = 'pending')
    EXECUTE FUNCTION wake_timer_sweep('refund_timers');
CREATE TRIGGER payouts_timer_wake_update
    AFTER UPDATE ON payouts
    FOR EACH ROW WHEN (NEW.status = 'pending'
        AND (OLD.status <> 'pending' OR NEW.next_attempt_at < OLD.next_attempt_at))
    EXECUTE FUNCTION wake_timer_sweep('refund_timers');

-- After-sales tickets (written by people, a few a minute at most): any change of stage or
-- due time wakes their sweep, which plans again.
CREATE TRIGGER aftersales_tickets_timer_wake
    AFTER INSERT OR UPDATE OF status, review_due_at, receipt_due_at, processing_due_at
    ON aftersales_tickets
    FOR EACH ROW EXECUTE FUNCTION wake_timer_sweep('aftersales_timers');
