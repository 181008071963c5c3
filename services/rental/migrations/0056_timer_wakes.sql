-- The top-up recovery sweep (accounts/handlers/counter_charges.py) sleeps until the
-- earliest pending charge's lease runs out (shared/timers.py). A charge put at the
-- device, started again after a refusal, or left unanswered (its lease cut to now: the
-- sweep may ask at once) tells it in the transaction that writes it (shared migration
-- 0005). A take-over moves the lease later and a charge finished stops it: no wake, the
-- sweep wakes for the earlier time it planned and plans again then.
CREATE TRIGGER topup_charges_timer_wake_insert
    AFTER INSERT ON topup_charges
    FOR EACH ROW WHEN (NEW.status = 'pending')
    EXECUTE FUNCTION wake_timer_sweep('rental_topup_timers');
CREATE TRIGGER topup_charges_timer_wake_update
    AFTER UPDATE ON topup_charges
    FOR EACH ROW WHEN (NEW.status = 'pending'
        AND (OLD.status <> 'pending' OR NEW.lease_until < OLD.lease_until
             OR OLD.lease_until IS NULL))
    EXECUTE FUNCTION wake_timer_sweep('rental_topup_timers');
