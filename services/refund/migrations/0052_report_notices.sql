-- The monthly refund statistics are due on the 1st (moved past a weekend): one in-app
-- notice per month and department, however often and on however many replicas it is checked.
CREATE TABLE refund_report_notices (
    month       date        NOT NULL,             -- the first day of the month reported
    department  text        NOT NULL CHECK (department IN ('service', 'finance')),
    due_on      date        NOT NULL,
    notified_at timestamptz NOT NULL,
    recipients  text[]      NOT NULL,
    PRIMARY KEY (month, department)
);
