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

export function readWebhookHeaders(headers: Record<string, string | string[] | undefined>): WebhookHeaders {
  const eventId = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signature = header(headers, 'webhook-signature');
  if (!eventId || !timestamp || !signature) {
    throw new Problem(401, 'missing-signature', 'Missing signature', 'Send webhook-id, webhook-timestamp and webhook-signature.');
  }
  // Said before the tenant is looked at: the header's form tells nothing about who exists.
  if (v1Signatures(signature).length === 0) {
    throw new Problem(401, 'invalid-signature', 'Invalid signature', 'webhook-signature holds no "v1,<base64 HMAC-SHA256>" signature; send several separated by spaces during a secret rotation.');
  }
  const tenantId = header(headers, 'x-tenant-id');
  if (!tenantId || !TenantId.safeParse(tenantId).success) throw invalidSignature();
  return { tenantId, eventId, timestamp, signature };
}

/** Refuses a timestamp outside the tolerance: a captured request cannot be replayed later. */
export function checkTimestamp(timestamp: string, toleranceSeconds: number, nowMs = Date.now()): void {
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!Number.isFinite(seconds) || Math.abs(nowMs / 1000 - seconds) > toleranceSeconds) {
    throw new Problem(401, 'stale-timestamp', 'Timestamp outside tolerance', `webhook-timestamp must be within ${toleranceSeconds} s of now (Unix seconds).`);
  }
}

export function checkSignature(secrets: readonly string[], headers: WebhookHeaders, rawBody: Buffer): void {
  if (secrets.length === 0 || !verifySignature(secrets, headers.eventId, headers.timestamp, headers.signature, rawBody)) {
    throw invalidSignature();
  }
}
