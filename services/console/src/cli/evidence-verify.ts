import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { verifyEvidenceFile, type EvidenceCheck } from '../evidence/verify-evidence';
import { UsageError } from './commands';

const PublishedKey = z.object({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), use: z.literal('sig'), alg: z.literal('EdDSA') });
/** The key as served at the well-known URL (a key set), or one key alone. */
const KeyFile = z.union([z.object({ keys: z.array(PublishedKey).length(1) }).transform((set) => set.keys[0]!), PublishedKey]);

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
}

/** `evidence verify FILE [--key KEY.json]`: offline, no database. */
export async function verifyEvidenceCommand(path: string | undefined, keyPath: string | undefined): Promise<EvidenceCheck> {
  if (!path) throw new UsageError('evidence verify needs the evidence file: evidence verify FILE [--key KEY.json]');
  const key = keyPath ? KeyFile.safeParse(await readJson(keyPath)) : undefined;
  if (key && !key.success) throw new UsageError(`${keyPath} is not an Ed25519 public key (JWK) or the key set served at the well-known URL`);
  return verifyEvidenceFile(await readJson(path), key?.data);
}

export function printEvidenceCheck(check: EvidenceCheck, write: (line: string) => void): void {
  for (const line of check.passed) write(`ok    ${line}`);
  for (const line of check.failures) write(`FAIL  ${line}`);
  write(check.ok ? 'verified: the file is as Backstop issued it' : `NOT verified: ${check.failures.length} ${check.failures.length === 1 ? 'check' : 'checks'} failed`);
}
