import { describe, expect, it } from 'vitest';
import { callsTimingSafeEqual, findEarlyExitComparisons } from './secret-comparisons';
import { parseSource, typeScriptFiles } from './source-files';

/** Where signatures and API keys are checked. */
const checkers = [
  ...typeScriptFiles('packages/signing/src'),
  'packages/tenancy/src/api-keys.ts',
  'services/ingest/src/webhook/authenticate.ts',
  'services/console/src/auth/authenticate.ts',
].filter((file) => !file.endsWith('.test.ts'));

const findingsIn = (code: string) => findEarlyExitComparisons(parseSource('sample.ts', code)).map((finding) => finding.code);

describe('secrets are compared in constant time', () => {
  it('finds comparisons that stop at the first differing byte', () => {
    expect(findingsIn('if (signature === expected) ok();')).toEqual(['signature === expected']);
    expect(findingsIn('if (row.key_hash.equals(hashSecret(secret))) ok();')).toEqual(['row.key_hash.equals(hashSecret(secret))']);
    expect(findingsIn('const order = Buffer.compare(candidate, digest);')).toEqual(['Buffer.compare(candidate, digest)']);
    expect(findingsIn('return presented != storedKey;')).toEqual(['presented != storedKey']);
  });

  it('accepts length checks and comparisons of public values', () => {
    expect(findingsIn('if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) ok();')).toEqual([]);
    expect(findingsIn("if (principal.role === 'operator' || secrets.length === 0) ok();")).toEqual([]);
  });

  it('holds where signatures and API keys are checked', () => {
    expect(checkers).toContain('packages/signing/src/index.ts');
    const findings = checkers.flatMap((file) => findEarlyExitComparisons(parseSource(file)));
    expect(findings.map((finding) => `${finding.at}: ${finding.code}`)).toEqual([]);
  });

  it('compares signatures and API key hashes with timingSafeEqual', () => {
    for (const file of ['packages/signing/src/index.ts', 'packages/tenancy/src/api-keys.ts']) {
      expect(callsTimingSafeEqual(parseSource(file)), file).toBe(true);
    }
  });
});
