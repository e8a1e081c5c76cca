-- Up Migration

-- A re-registered endpoint keeps being signed with its previous secret as well, for a day: a
-- command retried after the change, or a receiver not yet switched over, still verifies.
ALTER TABLE refund_webhooks
  ADD COLUMN previous_secret text CHECK (previous_secret LIKE 'whsec\_%'),
  ADD COLUMN previous_secret_until timestamptz;
ALTER TABLE notification_webhooks
  ADD COLUMN previous_secret text CHECK (previous_secret LIKE 'whsec\_%'),
  ADD COLUMN previous_secret_until timestamptz;

-- Down Migration
ALTER TABLE notification_webhooks DROP COLUMN previous_secret_until, DROP COLUMN previous_secret;
ALTER TABLE refund_webhooks DROP COLUMN previous_secret_until, DROP COLUMN previous_secret;
