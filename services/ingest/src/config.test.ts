import { describe, expect, it } from 'vitest';
import { IngestConfig } from './config';

describe('IngestConfig', () => {
  it('reads per-tenant rates and platform topics from JSON', () => {
    const config = IngestConfig.parse({
      INGEST_RATE_OVERRIDES: '{"bigplatform": {"eventsPerSecond": 20000, "burst": 40000}}',
      INGEST_SOURCES: '[{"tenantId": "bigplatform", "topic": "big.payments"}]',
    });
    expect(config.INGEST_RATE_OVERRIDES.bigplatform).toEqual({ eventsPerSecond: 20000, burst: 40000 });
    expect(config.INGEST_SOURCES).toEqual([{ tenantId: 'bigplatform', topic: 'big.payments' }]);
  });

  it('defaults to no overrides and no platform topics', () => {
    const config = IngestConfig.parse({});
    expect(config.INGEST_RATE_OVERRIDES).toEqual({});
    expect(config.INGEST_SOURCES).toEqual([]);
    expect(config.INGEST_DEDUPE_WINDOW_S).toBe(86_400);
  });

  it.each([
    ['INGEST_SOURCES', 'not json'],
    ['INGEST_SOURCES', '[{"tenantId": "Big Platform", "topic": "t"}]'],
    ['INGEST_RATE_OVERRIDES', '{"t": {"eventsPerSecond": 10, "burst": 100}}'],
    ['INGEST_RATE_BURST', '100'],
  ])('refuses %s=%s', (name, value) => {
    expect(IngestConfig.safeParse({ [name]: value }).success).toBe(false);
  });
});
