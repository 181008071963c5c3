-- Front-page announcements (前台公告栏) and who did what to each.
CREATE TABLE announcements (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text        NOT NULL,
    body         text        NOT NULL,
    status       text        NOT NULL CHECK (status IN ('draft', 'online', 'offline')),
    publish_at   timestamptz,
    withdraw_at  timestamptz,
    published_at timestamptz,
    withdrawn_at timestamptz,
    created_by   text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX announcements_board ON announcements (published_at DESC) WHERE status = 'online';
CREATE INDEX announcements_publish_due ON announcements (publish_at)
    WHERE publish_at IS NOT NULL;
CREATE INDEX announcements_withdraw_due ON announcements (withdraw_at)
    WHERE withdraw_at IS NOT NULL;

CREATE TABLE announcement_history (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    announcement_id bigint      NOT NULL REFERENCES announcements (id),
    action          text        NOT NULL
        CHECK (action IN ('created', 'edited', 'published', 'withdrawn', 'schedule_expired')),
    actor           text        NOT NULL,
    title           text        NOT NULL,
    body            text        NOT NULL,
    publish_at      timestamptz,
    withdraw_at     timestamptz,
    at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX announcement_history_by_announcement ON announcement_history (announcement_id, id);
CREATE TRIGGER announcement_history_append_only BEFORE UPDATE OR DELETE ON announcement_history
    FOR EACH ROW EXECUTE FUNCTION notify_append_only();
