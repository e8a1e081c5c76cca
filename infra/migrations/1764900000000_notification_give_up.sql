-- Up Migration

-- A flag.decided event the platform never took while its payer link was valid is given up:
-- posting a dead link helps no one, and the relay should not retry it every hour for ever.
-- Nor is an event that could not be linked for as long as a link would have lived.
ALTER TABLE flag_notifications ADD COLUMN gave_up_at timestamptz;
DROP INDEX flag_notifications_unlinked;
CREATE INDEX flag_notifications_unlinked ON flag_notifications (created_at) WHERE link_id IS NULL AND gave_up_at IS NULL;
DROP INDEX flag_notifications_due;
CREATE INDEX flag_notifications_due ON flag_notifications (next_attempt_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL AND link_id IS NOT NULL;

-- Down Migration
DROP INDEX flag_notifications_due;
CREATE INDEX flag_notifications_due ON flag_notifications (next_attempt_at) WHERE delivered_at IS NULL AND link_id IS NOT NULL;
DROP INDEX flag_notifications_unlinked;
CREATE INDEX flag_notifications_unlinked ON flag_notifications (created_at) WHERE link_id IS NULL;
ALTER TABLE flag_notifications DROP COLUMN gave_up_at;
