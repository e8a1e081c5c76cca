/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): an HMAC-SHA256 over
 * "{webhook-id}.{webhook-timestamp}.{raw body}", keyed with the bytes of a `whsec_` secret,
 * sent as `v1,<base64>`; several space-separated signatures may be sent during a rotation.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { retryAfterMs } from './retry-after';

const SECRET_PREFIX = 'whsec_';

export function generateWebhookSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

function digest(key: Buffer, id: string, timestamp: string, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

export function sign(secret: string, id: string, timestampSeconds: number, body: Buffer | string): string {
  return `v1,${digest(secretKey(secret), id, String(timestampSeconds), body).toString('base64')}`;
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Signed with one secret, or during a rotation with each of several, space-separated. */
export function signedHeaders(secrets: string | readonly string[], id: string, body: string, now = new Date()): SignedHeaders {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signatures = [secrets].flat().map((secret) => sign(secret, id, timestamp, body));
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures.join(' ') };
}

/** The `v1` signatures (base64, as sent) of a webhook-signature header: space-separated `v1,<base64>` parts, other versions passed over. */
export function v1Signatures(signatureHeader: string): string[] {
  return signatureHeader.split(' ').filter((part) => part.startsWith('v1,') && part.length > 3).map((part) => part.slice(3));
}

/**
 * True when any `v1` signature in the header matches any of the secrets. Every comparison
 * runs over equal-length buffers in constant time.
 */
export function verifySignature(
  secrets: readonly string[],
  id: string,
  timestamp: string,
  signatureHeader: string,
  body: Buffer,
): boolean {
  const candidates = v1Signatures(signatureHeader).map((signature) => Buffer.from(signature, 'base64'));
  if (candidates.length === 0) return false;
  let matched = false;
  for (const secret of secrets) {
    const expected = digest(secretKey(secret), id, timestamp, body);
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched;
}

export interface SignedDelivery {
  url: string;
  /** The endpoint's secret, then while a rotation overlaps the one it replaced. */
  secrets: readonly string[];
  /** The Standard Webhooks message id: the same on every attempt, so the receiver can dedupe. */
  messageId: string;
  body: string;
  timeoutMs: number;
}

/** The statuses fetch would follow. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Where a redirect points, as much as may be logged and shown: its origin, and whether its path
 * is the one posted to. A path or query may carry a token (some endpoints keep theirs there).
 */
function redirectTarget(from: string, location: string | null): string {
  if (location === null) return 'no Location given';
  try {
    const target = new URL(location, from);
    return target.pathname === new URL(from).pathname ? `${target.origin}, same path` : `${target.origin}, another path`;
  } catch {
    return 'an unreadable Location';
  }
}

/**
 * Posts one signed webhook; null when the endpoint took it (2xx), else why not: the status,
 * or the network error's message, and when a busy endpoint asked to be tried again. Never
 * throws, so one endpoint cannot fail a batch.
 *
 * A redirect is not followed but counted as a failed attempt: fetch turns a POST answered 301,
 * 302 or 303 into a GET without the body, whose 2xx would have passed for a delivery the
 * endpoint never received, and a 307 or 308 would send the signed body to wherever the
 * endpoint points. The endpoint's owner registers the URL it ends at.
 */
export interface DeliveryFailure {
  /** The status or the network error, for the logs and the delivery's last error. */
  reason: string;
  /** What the endpoint's Retry-After asked for on a 429 or 503. */
  retryAfterMs?: number;
}

/** The statuses whose Retry-After says when to come back. */
const BUSY = new Set([429, 503]);

export async function deliverSigned({ url, secrets, messageId, body, timeoutMs }: SignedDelivery): Promise<DeliveryFailure | null> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signedHeaders(secrets, messageId, body) },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    if (REDIRECTS.has(response.status)) {
      return { reason: `HTTP ${response.status}: redirects are not followed; register the URL it redirects to (${redirectTarget(url, response.headers.get('location'))})` };
    }
    if (response.ok) return null;
    const retryAfter = BUSY.has(response.status) ? retryAfterMs(response.headers.get('retry-after'), Date.now()) : undefined;
    return { reason: `HTTP ${response.status}`, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) };
  } catch (error) {
    return { reason: error instanceof Error ? error.message : String(error) };
  }
}

export { retryAfterMs } from './retry-after';
