import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readLinkClaims, signLinkToken, verifyLinkToken, type LinkClaims } from './link-token';

const secret = randomBytes(32);
const now = new Date('2026-11-26T02:00:00Z');
const claims: LinkClaims = { tenantId: 'shop-a', flagId: `flg_${'ab'.repeat(16)}`, linkId: 'AbCdEfGhIjKlMnOpQrStUv', expiresAt: now.getTime() / 1000 + 3600 };

const tenantIds = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,30}$/);
const flagIds = fc.stringMatching(/^[0-9a-f]{32}$/).map((hex) => `flg_${hex}`);
const linkIds = fc.stringMatching(/^[A-Za-z0-9_-]{22}$/);
const expiries = fc.integer({ min: now.getTime() / 1000 + 1, max: 4_000_000_000 });
const anyClaims = fc.record({ tenantId: tenantIds, flagId: flagIds, linkId: linkIds, expiresAt: expiries });

describe('payer link tokens', () => {
  it('verify with the secret they were signed with, until they expire', () => {
    const token = signLinkToken(claims, secret);
    expect(verifyLinkToken(token, secret, now)).toEqual(claims);
    expect(verifyLinkToken(token, secret, new Date(claims.expiresAt * 1000))).toBeNull();
    expect(verifyLinkToken(token, randomBytes(32), now)).toBeNull();
  });

  it('round-trip any valid claims', () => {
    fc.assert(fc.property(anyClaims, (c) => {
      expect(verifyLinkToken(signLinkToken(c, secret), secret, now)).toEqual(c);
    }));
  });

  it('refuse a token with any one character changed', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    fc.assert(fc.property(anyClaims, fc.nat(), fc.nat(), (c, position, pick) => {
      const token = signLinkToken(c, secret);
      const at = position % token.length;
      const replacement = alphabet[pick % alphabet.length]!;
      fc.pre(replacement !== token[at]);
      const tampered = token.slice(0, at) + replacement + token.slice(at + 1);
      expect(verifyLinkToken(tampered, secret, now)).toBeNull();
    }), { numRuns: 2_000 });
  });

  it('refuse a mac spelled differently but decoding to the same bytes', () => {
    const token = signLinkToken(claims, secret);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1)!);
    // The 43rd character carries 4 bits of the mac and 2 spare bits that decoding ignores.
    for (let spare = 1; spare < 4; spare += 1) {
      const respelled = token.slice(0, -1) + alphabet[(last & ~3) | ((last + spare) & 3)]!;
      expect(verifyLinkToken(respelled, secret, now)).toBeNull();
    }
  });

  it('refuse claims re-signed under another tenant\'s secret, and claims swapped between tokens', () => {
    fc.assert(fc.property(anyClaims, anyClaims, (mine, theirs) => {
      const other = randomBytes(32);
      expect(verifyLinkToken(signLinkToken(mine, other), secret, now)).toBeNull();
      const [, payload] = signLinkToken(theirs, secret).split('.');
      const [version, , tag] = signLinkToken(mine, secret).split('.');
      fc.pre(JSON.stringify(mine) !== JSON.stringify(theirs));
      expect(verifyLinkToken(`${version}.${payload}.${tag}`, secret, now)).toBeNull();
    }));
  });

  it('never throw on any string, and read claims only from a well-shaped one', () => {
    fc.assert(fc.property(fc.string({ maxLength: 600 }), (text) => {
      expect(verifyLinkToken(text, secret, now)).toBeNull();
      expect(() => readLinkClaims(text)).not.toThrow();
    }));
    fc.assert(fc.property(fc.base64String({ maxLength: 300 }), fc.base64String({ minLength: 44, maxLength: 44 }), (payload, tag) => {
      expect(verifyLinkToken(`pl1.${payload}.${tag}`, secret, now)).toBeNull();
    }));
  });
});
