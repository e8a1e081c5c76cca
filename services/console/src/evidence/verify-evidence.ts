import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { EvidenceFile, EvidenceSections, sectionNames, type Jwk } from './evidence-file';
import { sectionDigest, verifySignature } from './evidence-signature';

export interface EvidenceCheck {
  ok: boolean;
  /** One line per check, each saying what it found. */
  passed: string[];
  /** One line per failure, naming what fails and where. */
  failures: string[];
}

const where = (path: readonly PropertyKey[]) => (path.length ? path.map(String).join('.') : '(the file)');

/**
 * Checks an evidence file with no network and no database: that it is shaped as one, that its
 * signature verifies under the given key (else the key inside it, and says so), that every
 * section still has the digest that was signed, and that every audit entry hashes to itself.
 */
export function verifyEvidenceFile(input: unknown, publishedKey?: Jwk): EvidenceCheck {
  const passed: string[] = [];
  const failures: string[] = [];
  const file = EvidenceFile.safeParse(input);
  if (!file.success) {
    return { ok: false, passed, failures: file.error.issues.map((issue) => `not an evidence file: ${where(issue.path)}: ${issue.message}`) };
  }
  const { document, signature } = file.data;
  const sections = EvidenceSections.safeParse(document);
  if (!sections.success) {
    failures.push(...sections.error.issues.map((issue) => `document.${where(issue.path)}: ${issue.message}`));
  }

  const embedded = sections.success ? sections.data.issuer.publicKey : undefined;
  const key = publishedKey ?? embedded;
  if (!key) {
    failures.push('no public key to check the signature with: pass --key with the tenant\'s published key');
  } else {
    if (publishedKey && embedded && (embedded.x !== publishedKey.x)) {
      failures.push(`issuer.publicKey is not the published key ${publishedKey.kid}: the file names another key`);
    }
    if (signature.keyId !== key.kid) failures.push(`signature.keyId ${signature.keyId} is not the key ${key.kid}`);
    if (verifySignature(signature, key)) {
      passed.push(`signature: valid Ed25519 signature by ${key.kid}${publishedKey ? ' (the published key)' : ' (the key inside the file; pass --key to hold it against the published one)'}`);
    } else {
      failures.push(`signature: does not verify under ${key.kid}: the signature or the digests it covers were altered, or another key made it`);
    }
  }

  const signedNames = Object.keys(signature.digests);
  for (const name of sectionNames) {
    if (!(name in document)) failures.push(`section ${name}: missing from the document`);
    else if (signature.digests[name] === undefined) failures.push(`section ${name}: not covered by the signature`);
    else if (sectionDigest(document[name]) !== signature.digests[name]) failures.push(`section ${name}: edited after it was signed (its SHA-256 is not the signed digest)`);
    else passed.push(`section ${name}: unchanged`);
  }
  for (const name of Object.keys(document)) if (!sectionNames.includes(name as never)) failures.push(`section ${name}: not part of an evidence file`);
  for (const name of signedNames) if (!sectionNames.includes(name as never)) failures.push(`signature.digests.${name}: names no section`);

  if (sections.success) {
    for (const entry of sections.data.verification.auditEntries) {
      const hash = createHash('sha256').update(Buffer.from(entry.prevHash, 'hex')).update(canonicalize(entry.content)).digest('hex');
      if (hash !== entry.hash) failures.push(`audit entry ${entry.seq}: its content does not hash to ${entry.hash.slice(0, 16)}…`);
      else passed.push(`audit entry ${entry.seq}: hash ${entry.hash.slice(0, 16)}… matches its content`);
    }
  }
  return { ok: failures.length === 0, passed, failures };
}
