-- Up Migration

-- `platform`: the platform's own backend, which fetches payer links to pass on to its users.
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('ops', 'finance', 'admin', 'operator', 'platform'));

-- Each tenant's signing keys, made on first use. Kept in clear like webhook secrets: signing
-- needs the key itself. `link_secret` signs payer links (HMAC-SHA256); the Ed25519 pair signs
-- evidence files, whose public half anyone may fetch at a well-known URL.
CREATE TABLE tenant_signing_keys (
  tenant_id             text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
  link_secret           bytea NOT NULL CHECK (octet_length(link_secret) = 32),
  evidence_key_id       text NOT NULL UNIQUE,
  -- PKCS#8 DER of the private key; the public key as its raw 32 bytes.
  evidence_private_key  bytea NOT NULL,
  evidence_public_key   bytea NOT NULL CHECK (octet_length(evidence_public_key) = 32),
  created_at            timestamptz NOT NULL DEFAULT now()
);

-- A link given to the payer of a flagged charge. The token carries the tenant, flag, link id
-- and expiry, signed; this row is what lets a link be revoked before it expires.
CREATE TABLE payer_links (
  link_id     text PRIMARY KEY,
  tenant_id   text NOT NULL,
  flag_id     text NOT NULL,
  issued_by   text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  FOREIGN KEY (tenant_id, flag_id) REFERENCES flags (tenant_id, flag_id) ON DELETE CASCADE
);
CREATE INDEX payer_links_by_flag ON payer_links (tenant_id, flag_id, created_at DESC);

-- What the payer said about a flag under review, once per flag whatever link they used.
CREATE TABLE payer_answers (
  tenant_id    text NOT NULL,
  flag_id      text NOT NULL,
  link_id      text NOT NULL REFERENCES payer_links ON DELETE CASCADE,
  answer       text NOT NULL CHECK (answer IN ('mistake', 'intended')),
  answered_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, flag_id),
  FOREIGN KEY (tenant_id, flag_id) REFERENCES flags (tenant_id, flag_id) ON DELETE CASCADE
);

-- Where a platform wants a `flag.decided` event for each decision, with the payer link to pass
-- on, signed the Standard Webhooks way with this secret.
CREATE TABLE notification_webhooks (
  tenant_id   text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
  url         text NOT NULL CHECK (url ~ '^https?://'),
  secret      text NOT NULL CHECK (secret LIKE 'whsec\_%'),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One `flag.decided` event per decision, retried with backoff until the platform takes it. The
-- row is written by the transaction that makes the decision (the triggers below), so no
-- decision is missed and nothing scans the decisions for new ones; the console then gives it
-- its payer link and payload. The payload holds no token: the link's URL is signed again from
-- `link_id` on every attempt.
CREATE TABLE flag_notifications (
  decision_id      uuid PRIMARY KEY REFERENCES refund_decisions ON DELETE CASCADE,
  tenant_id        text NOT NULL,
  flag_id          text NOT NULL,
  link_id          text REFERENCES payer_links ON DELETE CASCADE,
  payload          jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  delivered_at     timestamptz,
  CHECK ((link_id IS NULL) = (payload IS NULL))
);
CREATE INDEX flag_notifications_unlinked ON flag_notifications (created_at) WHERE link_id IS NULL;
CREATE INDEX flag_notifications_due ON flag_notifications (next_attempt_at) WHERE delivered_at IS NULL AND link_id IS NOT NULL;
CREATE INDEX flag_notifications_by_tenant ON flag_notifications (tenant_id, created_at DESC, decision_id);

-- A decision the payer can follow (not a shadow rule's record), of a tenant whose webhook was
-- configured before the decision was made, gets its event: when it is inserted, and when a
-- shadow decision is replaced in place by a real one. One statement per statement, not per row.
CREATE FUNCTION enqueue_flag_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO flag_notifications (decision_id, tenant_id, flag_id, created_at)
  SELECT d.decision_id, d.tenant_id, d.flag_id, d.created_at
    FROM decided d JOIN notification_webhooks w ON w.tenant_id = d.tenant_id AND d.created_at >= w.created_at
   WHERE d.status <> 'shadowed'
  ON CONFLICT (decision_id) DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER refund_decisions_flag_decided_insert AFTER INSERT ON refund_decisions
  REFERENCING NEW TABLE AS decided FOR EACH STATEMENT EXECUTE FUNCTION enqueue_flag_decided();
CREATE TRIGGER refund_decisions_flag_decided_update AFTER UPDATE ON refund_decisions
  REFERENCING NEW TABLE AS decided FOR EACH STATEMENT EXECUTE FUNCTION enqueue_flag_decided();

-- Down Migration
DROP TRIGGER refund_decisions_flag_decided_update ON refund_decisions;
DROP TRIGGER refund_decisions_flag_decided_insert ON refund_decisions;
DROP FUNCTION enqueue_flag_decided();
DROP TABLE flag_notifications;
DROP TABLE notification_webhooks;
DROP TABLE payer_answers;
DROP TABLE payer_links;
DROP TABLE tenant_signing_keys;
DELETE FROM api_keys WHERE role = 'platform';
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('ops', 'finance', 'admin', 'operator'));
