-- Up Migration

-- Shadow rules record what they would have done under their own status.
ALTER TABLE refund_decisions DROP CONSTRAINT refund_decisions_status_check;
ALTER TABLE refund_decisions ADD CONSTRAINT refund_decisions_status_check
  CHECK (status IN ('pending_review', 'approved', 'sent', 'succeeded', 'failed', 'rejected', 'shadowed'));

ALTER TABLE refund_decisions
  ADD COLUMN severity            text,
  ADD COLUMN order_id            text,
  ADD COLUMN payer_id            text,
  ADD COLUMN merchant_id         text,
  ADD COLUMN channel             text,
  ADD COLUMN captured_amount     bigint,
  ADD COLUMN advice              text,
  ADD COLUMN revoke_goods_first  boolean NOT NULL DEFAULT false,
  -- For status 'shadowed': the action the rule was trying.
  ADD COLUMN shadow_action       text,
  ADD COLUMN approved_at         timestamptz,
  ADD COLUMN sent_at             timestamptz,
  ADD COLUMN confirmed_at        timestamptz,
  ADD COLUMN confirmed_amount    bigint,
  -- Backstop never decides to give back more than was captured.
  ADD CONSTRAINT refund_within_capture CHECK (captured_amount IS NULL OR amount <= captured_amount);

-- Finance filters and the day-by-day reconciliation read decisions by tenant and time; the
-- time index carries what reconciliation sums, so a month of a tenant is an index-only scan.
DROP INDEX refund_decisions_by_time;
CREATE INDEX refund_decisions_by_time ON refund_decisions (tenant_id, created_at DESC, decision_id)
  INCLUDE (currency, status, amount, confirmed_amount, merchant_id, channel);
CREATE INDEX refund_decisions_by_status ON refund_decisions (tenant_id, status, created_at DESC, decision_id);
-- Mismatch: confirmed for another amount than decided (rare, so the index stays small).
CREATE INDEX refund_decisions_amount_mismatch ON refund_decisions (tenant_id, confirmed_at)
  WHERE status = 'succeeded' AND confirmed_amount <> amount;
-- Mismatch: a platform refund of a charge Backstop flagged.
CREATE INDEX flags_by_payment ON flags (tenant_id, payment_id);
-- Mismatch: approved or sent, still unconfirmed past the SLA.
CREATE INDEX refund_decisions_unconfirmed ON refund_decisions (tenant_id, approved_at)
  WHERE status IN ('approved', 'sent');

-- One policy document per tenant (validated by the RefundPolicy schema on every read).
CREATE TABLE refund_policies (
  tenant_id   text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
  document    jsonb NOT NULL,
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE order_deliveries (
  tenant_id     text NOT NULL REFERENCES tenants ON DELETE CASCADE,
  order_id      text NOT NULL,
  delivered_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, order_id)
);

-- Every refund.succeeded / refund.failed the platform reported, Backstop's or its own.
CREATE TABLE refund_outcomes (
  tenant_id    text NOT NULL REFERENCES tenants ON DELETE CASCADE,
  event_id     text NOT NULL,
  outcome      text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
  payment_id   text NOT NULL,
  -- The decision it confirms, when it named one Backstop knows.
  decision_id  uuid REFERENCES refund_decisions,
  claimed_decision_id text,
  amount       bigint NOT NULL CHECK (amount > 0),
  currency     char(3) NOT NULL,
  refund_id    text,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, event_id)
);
CREATE INDEX refund_outcomes_by_payment ON refund_outcomes (tenant_id, payment_id);
CREATE INDEX refund_outcomes_by_time ON refund_outcomes (tenant_id, occurred_at);

-- Automatic refunds granted per tenant, currency and the tenant's own day.
CREATE TABLE auto_refund_usage (
  tenant_id  text NOT NULL REFERENCES tenants ON DELETE CASCADE,
  currency   char(3) NOT NULL,
  day        date NOT NULL,
  amount     bigint NOT NULL CHECK (amount >= 0),
  PRIMARY KEY (tenant_id, currency, day)
);

-- Where a tenant wants refund commands posted, signed the Standard Webhooks way.
CREATE TABLE refund_webhooks (
  tenant_id   text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
  url         text NOT NULL CHECK (url ~ '^https?://'),
  secret      text NOT NULL CHECK (secret LIKE 'whsec\_%'),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Transactional outbox: written with the decision, relayed to Kafka (or a webhook) afterwards.
CREATE TABLE refund_outbox (
  outbox_id        bigserial PRIMARY KEY,
  tenant_id        text NOT NULL,
  decision_id      uuid NOT NULL REFERENCES refund_decisions,
  destination      text NOT NULL CHECK (destination IN ('kafka', 'webhook')),
  message_key      text NOT NULL,
  payload          jsonb NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  published_at     timestamptz,
  UNIQUE (decision_id, destination)
);
CREATE INDEX refund_outbox_pending ON refund_outbox (destination, next_attempt_at, outbox_id) WHERE published_at IS NULL;

-- Tamper-evident log of every decision state change, one hash chain per tenant.
CREATE TABLE decision_audit (
  tenant_id    text NOT NULL,
  seq          bigint NOT NULL CHECK (seq > 0),
  decision_id  uuid NOT NULL,
  content      jsonb NOT NULL,
  prev_hash    bytea NOT NULL,
  hash         bytea NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
-- A decision's own trail, to check its current state against the chain.
CREATE INDEX decision_audit_by_decision ON decision_audit (tenant_id, decision_id, seq DESC);
-- The chain's tip; locking it serialises appends, so a tenant's chain never forks.
CREATE TABLE audit_heads (
  tenant_id  text PRIMARY KEY,
  seq        bigint NOT NULL,
  hash       bytea NOT NULL
);

-- Down Migration
DROP TABLE audit_heads;
DROP TABLE decision_audit;
DROP TABLE refund_outbox;
DROP TABLE refund_webhooks;
DROP TABLE auto_refund_usage;
DROP TABLE refund_outcomes;
DROP TABLE order_deliveries;
DROP TABLE refund_policies;
DROP INDEX refund_decisions_unconfirmed;
DROP INDEX refund_decisions_amount_mismatch;
DROP INDEX flags_by_payment;
DROP INDEX refund_decisions_by_status;
DROP INDEX refund_decisions_by_time;
CREATE INDEX refund_decisions_by_time ON refund_decisions (tenant_id, created_at DESC, decision_id);
ALTER TABLE refund_decisions
  DROP CONSTRAINT refund_within_capture,
  DROP COLUMN severity, DROP COLUMN order_id, DROP COLUMN payer_id, DROP COLUMN merchant_id, DROP COLUMN channel,
  DROP COLUMN captured_amount, DROP COLUMN advice, DROP COLUMN revoke_goods_first, DROP COLUMN shadow_action,
  DROP COLUMN approved_at, DROP COLUMN sent_at, DROP COLUMN confirmed_at, DROP COLUMN confirmed_amount;
ALTER TABLE refund_decisions DROP CONSTRAINT refund_decisions_status_check;
ALTER TABLE refund_decisions ADD CONSTRAINT refund_decisions_status_check
  CHECK (status IN ('pending_review', 'approved', 'sent', 'succeeded', 'failed', 'rejected'));
