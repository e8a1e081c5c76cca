import { z } from 'zod';

/**
 * An evidence file: a flag, its decision and the audit entries that record them, readable on
 * its own, and a detached Ed25519 signature over a digest of each section, so a verifier can
 * say which section was edited rather than only that something was.
 */
const Sentence = z.object({ en: z.string(), zh: z.string() });
const Jwk = z.strictObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: z.string(), kid: z.string(), use: z.literal('sig'), alg: z.literal('EdDSA') });
export type Jwk = z.infer<typeof Jwk>;
const Hex = z.string().regex(/^[0-9a-f]{64}$/);

export const AuditEntry = z.strictObject({
  seq: z.number().int().positive(),
  content: z.record(z.string(), z.unknown()),
  prevHash: Hex,
  hash: Hex,
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const EvidenceSections = z.strictObject({
  issuer: z.strictObject({ name: z.literal('Backstop'), tenantId: z.string(), publicKey: Jwk, publicKeyUrl: z.string(), issuedAt: z.string() }),
  flag: z.strictObject({
    flagId: z.string(), type: z.string(), typeName: Sentence, severity: z.string(), confidence: z.number(), receivedAt: z.string(), flaggedAt: z.string(),
  }),
  payment: z.record(z.string(), z.unknown()),
  fundFlow: z.array(z.record(z.string(), z.unknown())),
  orderFlow: z.array(z.record(z.string(), z.unknown())),
  informationFlow: z.strictObject({
    rule: z.string(),
    summary: Sentence,
    thresholds: z.array(z.strictObject({ name: z.string(), value: z.union([z.number(), z.string(), z.boolean()]) })),
    observed: z.record(z.string(), z.unknown()),
    payerAnswer: z.record(z.string(), z.unknown()).nullable(),
  }),
  decision: z.strictObject({
    decisionId: z.string(), action: z.string(), status: z.string(), amount: z.number().int(), currency: z.string(), amountText: Sentence, reason: Sentence,
    lifecycle: z.array(z.strictObject({ from: z.string().nullable(), to: z.string(), at: z.string(), actor: z.string() })),
  }).nullable(),
  verification: z.strictObject({ auditEntries: z.array(AuditEntry), howToVerify: z.array(z.string()) }),
});
export type EvidenceSections = z.infer<typeof EvidenceSections>;
export const sectionNames = Object.keys(EvidenceSections.shape) as (keyof EvidenceSections)[];

export const EvidenceSignature = z.strictObject({
  alg: z.literal('Ed25519'),
  keyId: z.string(),
  /** SHA-256 of each section's canonical JSON (RFC 8785), hex. */
  digests: z.record(z.string(), Hex),
  /** Ed25519 over the canonical JSON of `{ keyId, digests }`, base64url. */
  value: z.string(),
});
export type EvidenceSignature = z.infer<typeof EvidenceSignature>;

export const EvidenceFile = z.strictObject({
  format: z.literal('backstop.evidence.v1'),
  document: z.record(z.string(), z.unknown()),
  signature: EvidenceSignature,
});
export type EvidenceFile = z.infer<typeof EvidenceFile>;
