-- Up Migration

-- A tenant's detector settings: only what differs from the built-in defaults, validated by
-- the detector's RulesConfig schema when read (a row that fails it is ignored and logged).
CREATE TABLE detector_rules (
  tenant_id   text PRIMARY KEY REFERENCES tenants ON DELETE CASCADE,
  config      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(config) = 'object'),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE detector_rules;
