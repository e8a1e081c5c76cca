-- Up Migration

-- The live feed reads flags in commit-safe order: rows are ordered by the inserting
-- transaction's id, then by insertion, and a reader only takes rows whose transaction is
-- older than every transaction still running (pg_snapshot_xmin). A flag committed late by a
-- slow transaction can then never slip in behind a position a client already passed.
ALTER TABLE flags ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE flags ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE UNIQUE INDEX flags_by_seq ON flags (tenant_id, seq);
CREATE INDEX flags_feed_order ON flags (tenant_id, xid, seq);
CREATE INDEX flags_feed_order_all ON flags (xid, seq);

-- One wake-up per inserting statement; readers find the new rows by position.
CREATE FUNCTION notify_new_flags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('backstop_flags', '');
  RETURN NULL;
END
$$;
CREATE TRIGGER flags_notify AFTER INSERT ON flags FOR EACH STATEMENT EXECUTE FUNCTION notify_new_flags();

-- Down Migration
DROP TRIGGER flags_notify ON flags;
DROP FUNCTION notify_new_flags();
DROP INDEX flags_feed_order_all;
DROP INDEX flags_feed_order;
DROP INDEX flags_by_seq;
ALTER TABLE flags DROP COLUMN xid;
ALTER TABLE flags DROP COLUMN seq;
