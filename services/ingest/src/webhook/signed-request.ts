import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Problem } from '@backstop/http';
import { checkSignature, checkTimestamp, readWebhookHeaders, type WebhookHeaders } from './authenticate';
import { decodeCompressedBodies } from './content-encoding';
import { parseJson } from './validate';

export interface SignatureOptions {
  secretsFor: (tenantId: string) => Promise<string[]>;
  signatureToleranceSeconds: number;
}

/**
 * The signature covers the exact bytes of the JSON sent (decompressed first when the body came
 * with a Content-Encoding), so the body is kept raw until it is verified; Fastify's own parsers
 * go, so that only JSON reaches the handlers (anything else is 415). Applies to the plugin it
 * is called in.
 */
export function keepJsonBodiesRaw(app: FastifyInstance): void {
  decodeCompressedBodies(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
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
  const rawBody = request.body;
  const headers = readWebhookHeaders(request.headers);
  checkTimestamp(headers.timestamp, options.signatureToleranceSeconds);
  const secrets = await options.secretsFor(headers.tenantId).catch(() => {
    throw new Problem(503, 'secrets-unavailable', 'Cannot verify signatures right now', 'Nothing was recorded; retry later.', { retryAfterSeconds: 2 });
  });
  checkSignature(secrets, headers, rawBody);
  return { headers, body: parseJson(rawBody), nowMs: Date.now() };
}
