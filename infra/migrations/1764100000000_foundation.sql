-- Up Migration

CREATE TABLE tenants (
  tenant_id   text PRIMARY KEY,
  name        text NOT NULL,
  -- "Daily" in finance reports means the tenant's own day.
  time_zone   text NOT NULL DEFAULT 'Asia/Shanghai',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Webhook secrets are kept in clear: verifying an HMAC needs the key itself.
-- Up to two are active at once so a platform can rotate without downtime.
CREATE TABLE webhook_secrets (
  tenant_id   text NOT NULL REFERENCES tenants ON DELETE CASCADE,
  secret_id   text NOT NULL,
  secret      text NOT NULL CHECK (secret LIKE 'whsec\_%'),
  created_at  timestamptz NOT NULL DEFAULT now(),
  retired_at  timestamptz,
  PRIMARY KEY (tenant_id, secret_id)
);

-- API keys are stored as a SHA-256 of their secret part; the key id is public.
CREATE TABLE api_keys (
  key_id      text PRIMARY KEY,
  tenant_id   text REFERENCES tenants ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('ops', 'finance', 'admin', 'operator')),
  key_hash    bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz,
  CHECK ((role = 'operator') = (tenant_id IS NULL))
);

CREATE TABLE flags (
  tenant_id    text NOT NULL REFERENCES tenants ON DELETE CASCADE,
  flag_id      text NOT NULL,
  type         text NOT NULL,
  severity     text NOT NULL CHECK (severity IN ('low', 'medium', 'high')),
  confidence   real NOT NULL CHECK (confidence BETWEEN 0 AND 1),
  payment_id   text NOT NULL,
  payer_id     text NOT NULL,
  amount       bigint NOT NULL CHECK (amount >= 0),
  currency     char(3) NOT NULL,
  payment      jsonb NOT NULL,
  evidence     jsonb NOT NULL,
  received_at  timestamptz NOT NULL,
  flagged_at   timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, flag_id)
);
CREATE INDEX flags_feed ON flags (tenant_id, flagged_at DESC, flag_id);

-- At most one refund decision per charge, whatever the code above it does.
CREATE TABLE refund_decisions (
  decision_id      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id        text NOT NULL,
  payment_id       text NOT NULL,
  flag_id          text NOT NULL,
  flag_type        text NOT NULL,
  action           text NOT NULL CHECK (action IN ('auto_refund', 'review', 'notify', 'shadow')),
  status           text NOT NULL CHECK (status IN ('pending_review', 'approved', 'sent', 'succeeded', 'failed', 'rejected')),
  amount           bigint NOT NULL CHECK (amount > 0),
  currency         char(3) NOT NULL,
  reason           text NOT NULL,
  idempotency_key  text NOT NULL,
  decided_by       text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, payment_id),
  UNIQUE (idempotency_key),
  FOREIGN KEY (tenant_id, flag_id) REFERENCES flags (tenant_id, flag_id)
);
CREATE INDEX refund_decisions_by_time ON refund_decisions (tenant_id, created_at DESC, decision_id);

-- Down Migration
DROP TABLE refund_decisions;
DROP TABLE flags;
DROP TABLE api_keys;
DROP TABLE webhook_secrets;
DROP TABLE tenants;
