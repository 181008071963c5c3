-- Feedback (反馈) and insurance applications (保险申请) from the app; each is accepted or
-- rejected once, with who, when and why, and the user is told in-app.
CREATE TABLE feedback (
    feedback_id  text        PRIMARY KEY,
    user_id      text        NOT NULL,
    content      text        NOT NULL,
    trip_id      text,
    submitted_at timestamptz NOT NULL,
    status       text        NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by   text,
    decided_at   timestamptz,
    decision_reason text
);
CREATE INDEX feedback_page ON feedback (submitted_at DESC, feedback_id DESC);
CREATE INDEX feedback_by_status ON feedback (status, submitted_at DESC, feedback_id DESC);
CREATE INDEX feedback_by_user ON feedback (user_id, submitted_at DESC, feedback_id DESC);

CREATE TABLE insurance_applications (
    application_id text        PRIMARY KEY,
    user_id        text        NOT NULL,
    trip_id        text        NOT NULL,
    description    text        NOT NULL,
    claimed_cents  bigint,
    applied_at     timestamptz NOT NULL,
    status         text        NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by     text,
    decided_at     timestamptz,
    decision_reason text
);
CREATE INDEX insurance_page ON insurance_applications (applied_at DESC, application_id DESC);
CREATE INDEX insurance_by_status
    ON insurance_applications (status, applied_at DESC, application_id DESC);
CREATE INDEX insurance_by_user
    ON insurance_applications (user_id, applied_at DESC, application_id DESC);

-- The user guide (用户指南): every save a new version; the highest is what users see.
CREATE TABLE guide_versions (
    version   integer     PRIMARY KEY,
    content   text        NOT NULL,
    note      text,
    saved_by  text        NOT NULL,
    saved_at  timestamptz NOT NULL
);
