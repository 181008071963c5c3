-- A schedule set on its own (POST /announcements/{id}/schedule) is history too.
ALTER TABLE announcement_history DROP CONSTRAINT announcement_history_action_check;
ALTER TABLE announcement_history ADD CONSTRAINT announcement_history_action_check
    CHECK (action IN ('created', 'edited', 'published', 'withdrawn', 'scheduled',
                      'schedule_expired'));
