import { isUtf8 } from 'node:buffer';
import { Problem } from '@backstop/http';
import { duplicateKeyPath } from './duplicate-keys';

/** A UTF-8 byte order mark, which some platforms' HTTP clients put before the JSON. */
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The body as text, refused unless it is UTF-8 (RFC 8259 §8.1). Decoding anything else would
 * put U+FFFD in place of each foreign byte, so a Latin-1 `José` and `Josè` would both read as
 * `Jos�` and be taken for one payer. A leading byte order mark is passed over.
 */
export function utf8Text(rawBody: Buffer): string {
  if (!isUtf8(rawBody)) {
    throw new Problem(400, 'invalid-utf8', 'Body is not UTF-8', 'The body holds bytes that are not UTF-8; encode the JSON as UTF-8 (RFC 8259), e.g. with a JSON writer set to UTF-8, and sign those bytes.');
  }
  return rawBody.subarray(0, 3).equals(UTF8_BOM) ? rawBody.toString('utf8', 3) : rawBody.toString('utf8');
}

/** Refuses JSON text with a member name twice in one object: parsers differ on which one counts. */
export function refuseDuplicateKeys(text: string): void {
  const path = duplicateKeyPath(text);
  if (path !== undefined) {
    throw new Problem(400, 'duplicate-key', 'Duplicate member name', `${path} is sent more than once in its object; JSON readers differ on which one counts, so send each name once.`, {
      errors: [{ path, message: 'sent more than once in its object' }],
    });
  }
}
