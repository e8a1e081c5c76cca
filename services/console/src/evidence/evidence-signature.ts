import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import type { EvidenceSections, EvidenceSignature, Jwk } from './evidence-file';

export const sectionDigest = (section: unknown): string => createHash('sha256').update(canonicalize(section)).digest('hex');

/** What the signature covers: the key's name and each section's digest. */
export const signedBytes = (keyId: string, digests: Record<string, string>): Buffer => Buffer.from(canonicalize({ keyId, digests }));

export function signSections(sections: EvidenceSections, keyId: string, privateKey: KeyObject): EvidenceSignature {
  const digests = Object.fromEntries(Object.entries(sections).map(([name, section]) => [name, sectionDigest(section)]));
  return { alg: 'Ed25519', keyId, digests, value: sign(null, signedBytes(keyId, digests), privateKey).toString('base64url') };
}

export function verifySignature(signature: EvidenceSignature, publicKey: Jwk): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.x }, format: 'jwk' });
    return verify(null, signedBytes(signature.keyId, signature.digests), key, Buffer.from(signature.value, 'base64url'));
  } catch {
    return false;
  }
}

export function publicJwk(rawPublicKey: Buffer, keyId: string): Jwk {
  return { kty: 'OKP', crv: 'Ed25519', x: rawPublicKey.toString('base64url'), kid: keyId, use: 'sig', alg: 'EdDSA' };
}
