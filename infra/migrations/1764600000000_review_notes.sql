-- Up Migration

-- Why a reviewer rejected a refund, and whether they judged the flag itself wrong: the
-- detector's false positives, counted per rule, are how its thresholds get tuned.
ALTER TABLE refund_decisions ADD COLUMN review_note text;
ALTER TABLE flags ADD COLUMN false_positive boolean NOT NULL DEFAULT false;

-- Down Migration
ALTER TABLE flags DROP COLUMN false_positive;
ALTER TABLE refund_decisions DROP COLUMN review_note;
