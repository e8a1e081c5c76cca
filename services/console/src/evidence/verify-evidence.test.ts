import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalize } from 'json-canonicalize';
import { describe, expect, it } from 'vitest';
import type { EvidenceSections } from './evidence-file';
import { signSections } from './evidence-signature';
import { issuer, keyPair, sections, signed } from './evidence.fixture';
import { verifyEvidenceFile } from './verify-evidence';

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('verifying an evidence file offline', () => {
  it('passes a file as issued, under the published key', () => {
    const check = verifyEvidenceFile(copy(signed()), issuer.jwk);
    expect(check.failures).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.passed).toContain('audit entry 9: hash ' + sections().verification.auditEntries[1]!.hash.slice(0, 16) + '… matches its content');
  });

  it('names the section that was edited', () => {
    const file = copy(signed());
    (file.document.decision as { amount: number }).amount = 30000;
    expect(verifyEvidenceFile(file, issuer.jwk).failures).toEqual(['section decision: edited after it was signed (its SHA-256 is not the signed digest)']);
  });

  it('names an edited audit entry, even when its section digest was recomputed, and then the signature', () => {
    const file = copy(signed());
    const entries = (file.document.verification as EvidenceSections['verification']).auditEntries;
    entries[0]!.content.amount = 1;
    file.signature.digests.verification = createHash('sha256').update(canonicalize(file.document.verification)).digest('hex');
    expect(verifyEvidenceFile(file, issuer.jwk).failures).toEqual([
      `signature: does not verify under ${issuer.jwk.kid}: the signature or the digests it covers were altered, or another key made it`,
      `audit entry 3: its content does not hash to ${entries[0]!.hash.slice(0, 16)}…`,
    ]);
  });

  it('refuses a file re-signed by another key that claims to be the tenant\'s', () => {
    const forger = keyPair();
    const document = copy(sections());
    (document.decision as { amount: number }).amount = 1;
    document.issuer.publicKey = forger.jwk;
    const forged = { format: 'backstop.evidence.v1', document, signature: signSections(document, forger.jwk.kid, forger.privateKey) };
    // Alone, the file is consistent with itself; held against the published key it is not.
    expect(verifyEvidenceFile(copy(forged)).ok).toBe(true);
    expect(verifyEvidenceFile(copy(forged), issuer.jwk).failures).toEqual([
      `issuer.publicKey is not the published key ${issuer.jwk.kid}: the file names another key`,
      `signature.keyId ${forger.jwk.kid} is not the key ${issuer.jwk.kid}`,
      `signature: does not verify under ${issuer.jwk.kid}: the signature or the digests it covers were altered, or another key made it`,
    ]);
  });

  it('fails any file with any one value changed, and never throws', () => {
    const leaves = (value: unknown, path: (string | number)[] = []): (string | number)[][] =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([key, child]) => leaves(child, [...path, Array.isArray(value) ? Number(key) : key]))
        : [path];
    const paths = leaves(signed()).filter((path) => path.length > 0);
    fc.assert(fc.property(fc.constantFrom(...paths), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)), (path, replacement) => {
      const file = copy(signed()) as unknown as Record<string, unknown>;
      let node = file as Record<string | number, unknown>;
      for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
      const last = path.at(-1)!;
      fc.pre(JSON.stringify(node[last]) !== JSON.stringify(replacement));
      node[last] = replacement;
      const check = verifyEvidenceFile(file, issuer.jwk);
      expect(check.ok, path.join('.')).toBe(false);
      expect(check.failures.length).toBeGreaterThan(0);
    }), { numRuns: 500 });
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(verifyEvidenceFile(value, issuer.jwk).ok).toBe(false);
    }));
  });
});
