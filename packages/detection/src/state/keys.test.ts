import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { platformName } from '../../../../test/support/unicode-names';
import { keyPart, payerKeys, skuPricesKey } from './keys';

/** The part of a key Redis Cluster hashes: from the first `{` to the first `}` after it. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open === -1 || close === -1 || close === open + 1 ? undefined : key.slice(open + 1, close);
}

function allPayerKeys(tenantId: string, payerId: string): string[] {
  const keys = payerKeys('p', tenantId, payerId);
  return [keys.seen, keys.seenAt, keys.payments('CNY'), keys.payments('USD'), keys.orders, keys.ordersAt, keys.recipients, keys.categories];
}

/** Ids made mostly of the characters that matter here, so collisions would be found if possible. */
const braceHeavyId = fc.oneof(
  fc.string({ unit: fc.constantFrom('{', '}', '%', '7', 'B', 'D', '2', '5', ':', 'a', '币'), minLength: 1, maxLength: 8 }),
  platformName(),
);

describe('detector keys', () => {
  it('keep every payer key inside the hash tag {tenant:payer}, whatever the payer id holds', () => {
    fc.assert(
      fc.property(braceHeavyId, (payerId) => {
        for (const key of allPayerKeys('shop', payerId)) expect(hashTag(key)).toBe(`shop:${keyPart(payerId)}`);
      }),
      { numRuns: 2_000 },
    );
  });

  it('never give two payers, or two skus, the same key', () => {
    fc.assert(
      fc.property(braceHeavyId, braceHeavyId, (a, b) => {
        fc.pre(a !== b);
        const keysOfA = new Set(allPayerKeys('shop', a));
        for (const key of allPayerKeys('shop', b)) expect(keysOfA.has(key)).toBe(false);
        expect(skuPricesKey('p', 'shop', a, 'CNY')).not.toBe(skuPricesKey('p', 'shop', b, 'CNY'));
      }),
      { numRuns: 5_000 },
    );
  });

  it('keep a sku key inside the hash tag {tenant:sku}', () => {
    fc.assert(
      fc.property(braceHeavyId, (sku) => {
        expect(hashTag(skuPricesKey('p', 'shop', sku, 'CNY'))).toBe(`shop:${keyPart(sku)}`);
      }),
    );
  });

  it('leave ids without % or braces as they are, Chinese included', () => {
    expect(payerKeys('p', 'shop', '王小明').seen).toBe('p:det:{shop:王小明}:seen');
    expect(skuPricesKey('p', 'shop', '腾讯Q币-100', 'CNY')).toBe('p:det:sku:{shop:腾讯Q币-100}:CNY');
    expect(keyPart('{a}%')).toBe('%7Ba%7D%25');
  });
});
