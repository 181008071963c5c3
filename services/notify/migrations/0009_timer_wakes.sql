-- The announcement schedule's sweep sleeps until the next publish_at / withdraw_at;
-- a schedule set or changed wakes it (shared migration 0005).
CREATE TRIGGER announcements_timer_wake
    AFTER INSERT OR UPDATE OF publish_at, withdraw_at, status ON announcements
    FOR EACH ROW WHEN (NEW.publish_at IS NOT NULL OR NEW.withdraw_at IS NOT NULL)
    EXECUTE FUNCTION wake_timer_sweep('notify_timers');
