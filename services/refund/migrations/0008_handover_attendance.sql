-- The handover form's attendance and cleaning lines (seed 003, issue 12 point 15):
-- 考勤 (expected, present, late, left early, absent: names) and 卫生是否打扫 with the
-- person who signs for it. NULL on handovers written before this migration.
--
-- refund_handovers is created by 0051_handovers.sql, which now creates these columns
-- (and the trigger that keeps them) itself: on a fresh database this file runs first and
-- does nothing; on a database that applied 0051 before, it adds them here.
DO $migration$
BEGIN
    IF to_regclass('refund_handovers') IS NULL THEN
        RETURN;
    END IF;
    ALTER TABLE refund_handovers
        ADD COLUMN IF NOT EXISTS attendance jsonb,
        ADD COLUMN IF NOT EXISTS cleaning   jsonb;
    CREATE OR REPLACE FUNCTION refund_handovers_acknowledge_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR OLD.acknowledged_by IS NOT NULL
            OR (NEW.shift, NEW.period_start, NEW.period_end, NEW.handed_over_by,
                NEW.handed_over_at, NEW.finished, NEW.follow_ups, NEW.finance_handled,
                NEW.submitted_to_finance, NEW.sent_back_by_finance, NEW.notes,
                NEW.attendance, NEW.cleaning)
            IS DISTINCT FROM
               (OLD.shift, OLD.period_start, OLD.period_end, OLD.handed_over_by,
                OLD.handed_over_at, OLD.finished, OLD.follow_ups, OLD.finance_handled,
                OLD.submitted_to_finance, OLD.sent_back_by_finance, OLD.notes,
                OLD.attendance, OLD.cleaning)
        THEN
            RAISE EXCEPTION 'a handover is kept as handed over; only its acknowledgement is added';
        END IF;
        RETURN NEW;
    END $$;
END
$migration$;
