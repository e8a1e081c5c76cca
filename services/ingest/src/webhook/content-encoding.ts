import { pipeline, Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { bodyTooLarge, Problem } from '@backstop/http';

/** The codings a platform may compress a body with, as HTTP names them; deflate is zlib's format (RFC 1950), as HTTP means it. */
const decoders = new Map<string, () => Transform>([
  ['gzip', createGunzip],
  ['x-gzip', createGunzip],
  ['deflate', createInflate],
  ['br', createBrotliDecompress],
]);

const ACCEPTED = 'gzip, deflate or br';

/** The one coding a Content-Encoding header names, lower-cased; undefined for none or identity. */
export function codingOf(header: string | undefined): string | undefined {
  const codings = (header ?? '').split(',').map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > 1) {
    throw new Problem(415, 'unsupported-content-encoding', 'Unsupported content encoding', `Compress the body once, with ${ACCEPTED}; it was sent as ${codings.join(', ')}.`);
  }
  const [coding] = codings;
  if (coding !== undefined && !decoders.has(coding)) {
    throw new Problem(415, 'unsupported-content-encoding', 'Unsupported content encoding', `Send the body uncompressed or compressed with ${ACCEPTED}, not ${coding}.`);
  }
  return coding;
}

/**
 * Platforms may compress what they send (`Content-Encoding: gzip`, `deflate` or `br`), as a
 * batch of a few thousand events shrinks tenfold. The body is decompressed before anything
 * reads it, so the signature is checked over the JSON itself, as senders sign it, and the body
 * limit applies to the bytes sent and to the decompressed bytes: a small body that inflates
 * beyond it is refused as too large before it is all inflated. A coding Backstop does not know
 * is 415 and a body that does not decompress is 400, both problem+json, counted, and nothing
 * recorded. Applies to the plugin it is called in.
 */
export function decodeCompressedBodies(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const coding = codingOf(request.headers['content-encoding']);
    if (coding === undefined) return payload;
    const decoder = decoders.get(coding)!();
    // A client that goes away mid-body ends the decoder, and a body that does not decompress
    // ends the reading. (Fastify answers no request whose client is gone.)
    pipeline(payload, decoder, () => undefined);
    const decoded = Readable.from(decompressed(decoder, coding, request.routeOptions.bodyLimit), { objectMode: false }) as Readable & { receivedEncodedLength: number };
    // Fastify stops listening once it has answered (a body over the limit as sent is refused
    // before it is decompressed), while the decoder may still fail after: that must not
    // become an error no one hears, which would end the process.
    decoded.on('error', () => undefined);
    // Fastify matches Content-Length against the bytes received, not those decoded.
    decoded.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => {
      decoded.receivedEncodedLength += chunk.length;
    });
    return decoded;
  });
}

/**
 * The decoder's output up to `limit` bytes, with a failure to decompress told as a problem
 * that says so. Decompressing stops at the limit: Fastify refuses the body there too, but would
 * leave the decoder inflating the rest of a small body made to expand a thousandfold.
 */
async function* decompressed(decoder: Transform, coding: string, limit: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of decoder) {
      bytes += (chunk as Buffer).length;
      if (bytes > limit) break;
      yield chunk as Buffer;
    }
  } catch {
    throw new Problem(400, 'undecodable-body', 'Body does not decompress', `The body is not valid ${coding}.`);
  }
  // Out of the try, which would take it for a failure to decompress.
  if (bytes > limit) throw bodyTooLarge(`The body decompresses to more than ${limit} bytes.`);
}
