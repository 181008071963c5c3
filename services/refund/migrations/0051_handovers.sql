-- Shift handovers (客服部值班交接单). The finance lists are a snapshot of the forms'
-- steps during the shift, taken when it was handed over, so the record stays as given.
CREATE TABLE refund_handovers (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shift                text        NOT NULL CHECK (shift IN ('day', 'middle', 'night')),
    period_start         timestamptz NOT NULL,
    period_end           timestamptz NOT NULL,
    handed_over_by       text        NOT NULL,
    handed_over_at       timestamptz NOT NULL,
    finished             jsonb       NOT NULL,
    follow_ups           jsonb       NOT NULL,
    finance_handled      jsonb       NOT NULL,
    submitted_to_finance jsonb       NOT NULL,
    sent_back_by_finance jsonb       NOT NULL,
    notes                text        NOT NULL DEFAULT '',
    acknowledged_by      text,
    acknowledged_at      timestamptz,
    attendance           jsonb,      -- 考勤 (0008_handover_attendance.sql adds it to older databases)
    cleaning             jsonb,      -- 卫生 and who signs for it
    CHECK (period_start < period_end),
    CHECK (acknowledged_by IS NULL OR acknowledged_by <> handed_over_by)
);
CREATE INDEX refund_handovers_by_time ON refund_handovers (handed_over_at DESC, id DESC);
CREATE INDEX refund_handovers_open ON refund_handovers (handed_over_at)
    WHERE acknowledged_by IS NULL;

-- Only the acknowledgement may change, once: what was handed over stays as it was.
CREATE FUNCTION refund_handovers_acknowledge_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.acknowledged_by IS NOT NULL
        OR (NEW.shift, NEW.period_start, NEW.period_end, NEW.handed_over_by, NEW.handed_over_at,
            NEW.finished, NEW.follow_ups, NEW.finance_handled, NEW.submitted_to_finance,
            NEW.sent_back_by_finance, NEW.notes, NEW.attendance, NEW.cleaning)
        IS DISTINCT FROM
           (OLD.shift, OLD.period_start, OLD.period_end, OLD.handed_over_by, OLD.handed_over_at,
            OLD.finished, OLD.follow_ups, OLD.finance_handled, OLD.submitted_to_finance,
            OLD.sent_back_by_finance, OLD.notes, OLD.attendance, OLD.cleaning)
    THEN
        RAISE EXCEPTION 'a handover is kept as handed over; only its acknowledgement is added';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refund_handovers_acknowledge_only BEFORE UPDATE OR DELETE ON refund_handovers
    FOR EACH ROW EXECUTE FUNCTION refund_handovers_acknowledge_only();
