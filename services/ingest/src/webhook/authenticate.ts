import { TenantId } from '@backstop/contracts';
import { v1Signatures, verifySignature } from '@backstop/signing';
import { Problem } from '@backstop/http';

export interface WebhookHeaders {
  tenantId: string;
  eventId: string;
  timestamp: string;
  signature: string;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** Unknown tenants and bad signatures get one answer, so a caller cannot probe for tenants. */
const invalidSignature = () => new Problem(401, 'invalid-signature', 'Invalid signature', 'The webhook-signature does not match this tenant\'s secrets.');

/** Every signed request carries these; a request without one of them is told which. */
const REQUIRED_HEADERS = ['x-tenant-id', 'webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

export function readWebhookHeaders(headers: Record<string, string | string[] | undefined>): WebhookHeaders {
  const missing = REQUIRED_HEADERS.filter((name) => header(headers, name) === undefined);
  if (missing.length > 0) {
    throw new Problem(401, 'missing-signature', 'Missing signature headers', `Missing ${missing.join(', ')}: send all four of ${REQUIRED_HEADERS.join(', ')}.`, { missingHeaders: missing });
  }
  const [tenantId, eventId, timestamp, signature] = REQUIRED_HEADERS.map((name) => header(headers, name)!) as [string, string, string, string];
  // Said before the tenant is looked at: the header's form tells nothing about who exists.
  if (v1Signatures(signature).length === 0) {
    throw new Problem(401, 'invalid-signature', 'Invalid signature', 'webhook-signature holds no "v1,<base64 HMAC-SHA256>" signature; send several separated by spaces during a secret rotation.');
  }
  if (!TenantId.safeParse(tenantId).success) throw invalidSignature();
  return { tenantId, eventId, timestamp, signature };
}

/**
 * Refuses a timestamp that is not whole seconds since the epoch (a fraction, a sign, an
 * exponent: told so, as no clock is wrong there), and one outside the tolerance, so a
 * captured request cannot be replayed later.
 */
export function checkTimestamp(timestamp: string, toleranceSeconds: number, nowMs = Date.now()): void {
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new Problem(401, 'invalid-timestamp', 'Malformed timestamp', 'webhook-timestamp must be an integer count of seconds since the Unix epoch, in digits only (such as 1796232549): no fraction, sign, exponent or milliseconds.');
  }
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) {
    throw new Problem(401, 'stale-timestamp', 'Timestamp outside tolerance', `webhook-timestamp must be within ${toleranceSeconds} s of now (Unix seconds).`);
  }
}

export function signatureMatches(secrets: readonly string[], headers: WebhookHeaders, rawBody: Buffer): boolean {
  return secrets.length > 0 && verifySignature(secrets, headers.eventId, headers.timestamp, headers.signature, rawBody);
}

export function checkSignature(secrets: readonly string[], headers: WebhookHeaders, rawBody: Buffer): void {
  if (!signatureMatches(secrets, headers, rawBody)) throw invalidSignature();
}
