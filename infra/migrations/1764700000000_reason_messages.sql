-- Up Migration

-- A decision's reason as a message key and parameters (packages/contracts/src/messages.ts), so
-- the console and the exports render it in the reader's language with money formatted by the
-- currency. `reason` keeps the English sentence; rows from before have no message.
ALTER TABLE refund_decisions ADD COLUMN reason_message jsonb;

-- Down Migration
ALTER TABLE refund_decisions DROP COLUMN reason_message;
