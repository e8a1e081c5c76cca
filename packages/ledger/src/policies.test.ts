import { describe, expect, it } from 'vitest';
import { failSafePolicy, parseStoredPolicy } from './policies';

describe('parseStoredPolicy', () => {
  it('gives the defaults to a tenant without a stored policy', () => {
    expect(parseStoredPolicy(undefined)).toEqual({ invalid: false, policy: { v: 1, rules: {}, maxAutoRefund: {}, dailyAutoBudget: {}, killSwitch: false, partialRefunds: true, whenWarnedAndConfirmed: 'review' } });
  });

  it('reads a valid document, filling defaults', () => {
    const stored = parseStoredPolicy({ v: 1, maxAutoRefund: { CNY: 5000 }, rules: { 'velocity.burst': { action: 'review' } } });
    expect(stored.invalid).toBe(false);
    expect(stored.policy.maxAutoRefund).toEqual({ CNY: 5000 });
    expect(stored.policy.rules['velocity.burst']).toEqual({ action: 'review', trying: 'auto_refund' });
  });

  it('falls back to nothing automatic when the stored document is invalid', () => {
    for (const document of [{ v: 2 }, { v: 1, maxAutoRefund: { XXX: 1 } }, { v: 1, rules: { 'duplicate.exact': { action: 'refund' } } }, { v: 1, surprise: true }]) {
      expect(parseStoredPolicy(document)).toEqual({ invalid: true, policy: failSafePolicy });
    }
    expect(failSafePolicy.killSwitch).toBe(true);
  });
});
