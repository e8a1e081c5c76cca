import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '@backstop/http';
import { checkSignature, checkTimestamp, readWebhookHeaders, signatureMatches, type WebhookHeaders } from './authenticate';
import { unsupportedCharset } from './charset';
import { decodeCompressedBodies } from './content-encoding';
import { parseJson } from './validate';

export interface SignatureOptions {
  /** The tenant's active secrets, perhaps cached. */
  secretsFor: (tenantId: string) => Promise<string[]>;
  /**
   * When `secretsFor` caches: the secrets as read by a query started at `sinceMs` or later, so
   * a secret issued by a rotation just before the request verifies at once.
   */
  secretsReadSince?: (tenantId: string, sinceMs: number) => Promise<string[]>;
  signatureToleranceSeconds: number;
}

/**
 * The signature covers the exact bytes of the JSON sent (decompressed first when the body came
 * with a Content-Encoding), so the body is kept raw until it is verified; Fastify's own parsers
 * go, so that only JSON reaches the handlers (anything else is 415, and so is JSON declared in
 * a charset other than UTF-8). Applies to the plugin it is called in.
 */
export function keepJsonBodiesRaw(app: FastifyInstance): void {
  decodeCompressedBodies(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'buffer' }, (request, body, done) => {
    const refused = unsupportedCharset(request.headers['content-type']);
    if (refused) done(refused, undefined);
    else done(null, body);
  });
}

/**
 * Verifies a request signed as a webhook (Standard Webhooks, the tenant's secrets) and only
 * then parses its body: every signed endpoint of ingest goes through here, so a platform
 * signs them all with the same code.
 */
export async function authenticateSigned(request: FastifyRequest, options: SignatureOptions): Promise<{ headers: WebhookHeaders; body: unknown; nowMs: number }> {
  // Fastify skips the parsers for a body-less request without a content type.
  if (!Buffer.isBuffer(request.body)) {
    throw new Problem(415, 'unsupported-media-type', 'Unsupported content type', 'Send the body as application/json.');
  }
  // A secret the request may be signed with was issued before it was sent, so before this.
  const arrivedMs = Date.now();
  const rawBody = request.body;
  const headers = readWebhookHeaders(request.headers);
  checkTimestamp(headers.timestamp, options.signatureToleranceSeconds);
  const secrets = await secretsOrUnavailable(options.secretsFor(headers.tenantId));
  if (!signatureMatches(secrets, headers, rawBody)) {
    const { secretsReadSince } = options;
    checkSignature(secretsReadSince ? await secretsOrUnavailable(secretsReadSince(headers.tenantId, arrivedMs)) : [], headers, rawBody);
  }
  return { headers, body: parseJson(rawBody), nowMs: Date.now() };
}

function secretsOrUnavailable(reading: Promise<string[]>): Promise<string[]> {
  return reading.catch(() => {
    throw new Problem(503, 'secrets-unavailable', 'Cannot verify signatures right now', 'Nothing was recorded; retry later.', { retryAfterSeconds: 2 });
  });
}
