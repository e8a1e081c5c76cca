import { describe, expect, it } from 'vitest';
import { maskAccount, maskAccounts } from './mask';

describe('account masking', () => {
  it('keeps at most a quarter of an account visible, split between its ends', () => {
    expect(maskAccount('8000123456')).toBe('80******56');
    expect(maskAccount('6222021234567890123')).toBe('622*************123');
    expect(maskAccount('abcd')).toBe('****');
    expect(maskAccount('abcde')).toBe('a***e');
  });

  it('masks every account field at any depth for finance, none for ops', () => {
    const evidence = {
      payment: { recipientAccount: '8000123456', recipientVerified: false },
      observed: { knownRecipients: ['8000654321'], previousAccount: '8000123465' },
    };
    const masked = maskAccounts(evidence, 'finance');
    expect(JSON.stringify(masked)).not.toMatch(/8000123456|8000123465|8000654321/);
    expect(masked.payment.recipientVerified).toBe(false);
    expect(maskAccounts(evidence, 'ops')).toEqual(evidence);
  });

  it('leaves the times of account fields alone, wherever they are quoted', () => {
    const usedAt = '2026-03-01T11:59:00.000Z';
    const flag = {
      evidence: { observed: { probablyMeant: '8000123456', probablyMeantLastUsedAt: usedAt } },
      message: { key: 'recipient.near_miss', params: { recipientAccount: '8000123465', meantAccount: '8000123456', meantLastPaidAt: usedAt } },
    };
    const masked = maskAccounts(flag, 'finance');
    expect(masked.evidence.observed.probablyMeantLastUsedAt).toBe(usedAt);
    expect(masked.message.params).toEqual({ recipientAccount: '80******65', meantAccount: '80******56', meantLastPaidAt: usedAt });
  });

  it('masks account numbers where a summary quotes them', () => {
    const flag = {
      summary: 'Paid to 8000123465, never used before, one edit (transposition) from 8000123456.',
      evidence: { observed: { recipient: '8000123465', probablyMeant: '8000123456' } },
    };
    const masked = maskAccounts(flag, 'finance');
    expect(masked.summary).toBe('Paid to 80******65, never used before, one edit (transposition) from 80******56.');
    expect(JSON.stringify(masked)).not.toMatch(/8000123456|8000123465/);
  });
});
