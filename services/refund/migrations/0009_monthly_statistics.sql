-- The monthly refund statistics' approval and archive (seed 003, issue 12 point 14):
-- each department's head approves its month's table, the admin/HR office (行政人事部)
-- verifies and archives it. The table is stored when approved (rows: the report as the
-- head approved it) and answered from here from then on, never recomputed; sent back
-- by the office, it is computed afresh until approved again. Archived, it never changes;
-- only the follow-up section (后期执行情况跟踪) grows.
CREATE TABLE refund_monthly_statistics (
    id                   text        NOT NULL UNIQUE,  -- 'YYYY-MM:department' (the list's key)
    month                date        NOT NULL CHECK (extract(day FROM month) = 1),
    department           text        NOT NULL CHECK (department IN ('service', 'finance')),
    state                text        NOT NULL
                         CHECK (state IN ('approved', 'returned', 'verified', 'archived')),
    rows                 jsonb,                     -- the stored table; NULL once returned
    approved_by          text,
    approved_at          timestamptz,
    approval_opinion     text,
    returned_by          text,
    returned_at          timestamptz,
    return_reason        text,
    verified_by          text,
    verified_at          timestamptz,
    verification_opinion text,
    archived_by          text,
    archived_at          timestamptz,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (month, department),
    CHECK ((state = 'returned') = (rows IS NULL))
);
CREATE INDEX refund_monthly_statistics_latest ON refund_monthly_statistics (updated_at DESC, id DESC);

-- An archived month is kept as archived.
CREATE FUNCTION refund_monthly_statistics_archived_stay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.state = 'archived' THEN
        RAISE EXCEPTION 'an archived month''s statistics no longer change';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER refund_monthly_statistics_archived_stay BEFORE UPDATE OR DELETE
    ON refund_monthly_statistics FOR EACH ROW EXECUTE FUNCTION refund_monthly_statistics_archived_stay();

-- Every decision on a month's statistics, and the follow-up section, append-only.
CREATE TABLE refund_monthly_statistics_steps (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    month      date        NOT NULL,
    department text        NOT NULL,
    action     text        NOT NULL
               CHECK (action IN ('approve', 'return', 'verify', 'archive', 'follow_up')),
    actor      text        NOT NULL,
    role       text        NOT NULL,
    opinion    text        NOT NULL DEFAULT '',  -- the opinion, reason or follow-up note
    at         timestamptz NOT NULL,
    FOREIGN KEY (month, department) REFERENCES refund_monthly_statistics (month, department)
);
CREATE INDEX refund_monthly_statistics_steps_of ON refund_monthly_statistics_steps (month, department, id);
