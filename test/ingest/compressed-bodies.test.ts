import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { sign, signedHeaders } from '@backstop/signing';
import { intentFor } from '../checks/intents';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { ingestDoorForTests } from './harness';

const compressors: Record<string, (body: Buffer) => Buffer> = {
  gzip: gzipSync,
  'x-gzip': gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};

const BODY_LIMIT = 64 * 1024;

/** Compressed bodies at the signed doors, on real Kafka and Redis: signed as JSON, decompressed before anything reads them. */
describe('compressed request bodies', () => {
  const door = ingestDoorForTests({ settings: { bodyLimit: BODY_LIMIT } });

  /** Posts `json`, signed as it is, with `body` (its compressed form, or anything else) on the wire. */
  const post = (json: string, body: Buffer, encoding: string, { id = uniqueId('req'), url = '/v1/webhooks/payments' } = {}) =>
    door.ingest.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'x-tenant-id': door.tenantId, ...signedHeaders(door.secret, id, json) },
      payload: body,
    });

  it.each(Object.keys(compressors))('accepts a single event sent with Content-Encoding %s and puts the JSON on Kafka', async (encoding) => {
    const event = paymentEvent({ sku: '腾讯Q币-100', category: '游戏点卡' });
    const json = JSON.stringify(event);
    const response = await post(json, compressors[encoding]!(Buffer.from(json)), encoding, { id: event.id });
    expect(response.statusCode, response.body).toBe(202);
    expect((await door.topic.arrival(event.id)).event).toEqual(event);
  });

  it('accepts a compressed batch, a compressed check, an upper-case coding and "identity" as no coding at all', async () => {
    const events = Array.from({ length: 50 }, () => paymentEvent());
    const batch = JSON.stringify({ events });
    const batchAnswer = await post(batch, gzipSync(Buffer.from(batch)), 'GZIP', { url: '/v1/webhooks/payments:batch' });
    expect(batchAnswer.statusCode, batchAnswer.body).toBe(200);
    expect(batchAnswer.json().results.map((result: { status: string }) => result.status)).toEqual(events.map(() => 'accepted'));
    await door.topic.arrival(events.at(-1)!.id);

    const intent = intentFor({ payerId: uniqueId('u') });
    const check = JSON.stringify(intent);
    const checkAnswer = await post(check, brotliCompressSync(Buffer.from(check)), 'br', { id: intent.intentId, url: '/v1/checks' });
    expect(checkAnswer.statusCode, checkAnswer.body).toBe(200);
    expect(checkAnswer.json()).toMatchObject({ intentId: intent.intentId, verdict: 'allow' });

    const plain = paymentEvent();
    const plainJson = JSON.stringify(plain);
    const identity = await post(plainJson, Buffer.from(plainJson), 'identity', { id: plain.id });
    expect(identity.statusCode, identity.body).toBe(202);
  });

  it('refuses, counts and forwards nothing of a coding it does not know, a body compressed twice, one that does not decompress, one signed compressed, and one that inflates past the limit', async () => {
    const marker = `pay_refused_${randomBytes(4).toString('hex')}`;
    let n = 0;
    const markedEvent = () => paymentEvent({ paymentId: `${marker}_${(n += 1)}` });
    /** A marked event's JSON, sent with `wire(json)` on the wire under `encoding`. */
    const refused = (encoding: string, wire: (json: string) => Buffer, extra: object = {}) => () => {
      const event = markedEvent();
      const json = JSON.stringify({ ...event, ...extra });
      return post(json, wire(json), encoding, { id: event.id });
    };
    const truncatedBrotli = (json: string) => {
      const br = brotliCompressSync(json);
      return br.subarray(0, br.length - 8);
    };
    const cases: { name: string; status: number; reason: string; send: () => ReturnType<typeof post> }[] = [
      { name: 'zstd', status: 415, reason: 'unsupported-content-encoding', send: refused('zstd', (json) => gzipSync(json)) },
      { name: 'a coding named like an object property', status: 415, reason: 'unsupported-content-encoding', send: refused('constructor', (json) => Buffer.from(json)) },
      { name: 'raw deflate, without zlib\'s wrapping', status: 400, reason: 'undecodable-body', send: refused('deflate', (json) => deflateRawSync(json)) },
      { name: 'an empty gzip body', status: 400, reason: 'undecodable-body', send: refused('gzip', () => Buffer.alloc(0)) },
      { name: 'gzip twice', status: 415, reason: 'unsupported-content-encoding', send: refused('gzip, gzip', (json) => gzipSync(gzipSync(json))) },
      { name: 'not gzip at all', status: 400, reason: 'undecodable-body', send: refused('gzip', (json) => Buffer.from(json)) },
      { name: 'a truncated brotli body', status: 400, reason: 'undecodable-body', send: refused('br', truncatedBrotli) },
      {
        name: 'signed over the compressed bytes',
        status: 401,
        reason: 'invalid-signature',
        send: () => {
          const event = markedEvent();
          const compressed = gzipSync(JSON.stringify(event));
          const timestamp = Math.floor(Date.now() / 1000);
          return door.ingest.app.inject({
            method: 'POST', url: '/v1/webhooks/payments', payload: compressed,
            headers: {
              'content-type': 'application/json', 'content-encoding': 'gzip', 'x-tenant-id': door.tenantId,
              'webhook-id': event.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(door.secret, event.id, timestamp, compressed),
            },
          });
        },
      },
      // Valid JSON a thousand times the limit, in a few kilobytes of gzip.
      { name: 'a body that inflates past the limit', status: 413, reason: 'body-too-large', send: refused('gzip', (json) => gzipSync(json), { padding: ' '.repeat(BODY_LIMIT * 1000) }) },
    ];
    for (const { name, status, reason, send } of cases) {
      const before = await door.rejectedCount(reason);
      const response = await send();
      expect(response.statusCode, `${name}: ${response.body}`).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json().type, name).toBe(`${PROBLEM_BASE}${reason}`);
      expect(await door.rejectedCount(reason), name).toBe(before + 1);
    }
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });
});

/** The same door over a real socket: bodies streamed in chunks, with no Content-Length, and clients that go away. */
describe('compressed request bodies over a socket', () => {
  const door = ingestDoorForTests({ settings: { bodyLimit: BODY_LIMIT } });
  let port = 0;
  beforeAll(async () => {
    await door.ingest.app.listen({ host: '127.0.0.1', port: 0 });
    port = (door.ingest.app.server.address() as { port: number }).port;
  });

  /** Streams `chunks` as a chunked upload, signed over `json`; resolves with the answer, or `aborted` if `abortAfter` chunks were sent first. */
  function stream(id: string, json: string, chunks: Buffer[], encoding: string, abortAfter?: number): Promise<{ status: number; body: string } | 'aborted'> {
    return new Promise((resolve, reject) => {
      const request = httpRequest({
        host: '127.0.0.1', port, method: 'POST', path: '/v1/webhooks/payments',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'transfer-encoding': 'chunked', 'x-tenant-id': door.tenantId, ...signedHeaders(door.secret, id, json) },
      }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (text: string) => (body += text));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', (error) => (abortAfter === undefined ? reject(error) : resolve('aborted')));
      chunks.forEach((chunk, index) => {
        if (abortAfter !== undefined && index === abortAfter) {
          request.destroy();
          resolve('aborted');
        }
        if (!request.destroyed) request.write(chunk);
      });
      if (!request.destroyed) request.end();
    });
  }

  const inChunks = (bytes: Buffer, size = 8 * 1024) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

  it('refuses a chunked body whose compressed bytes pass the limit, and keeps answering after it', async () => {
    const json = JSON.stringify(paymentEvent());
    // Random bytes do not compress: the upload passes the limit before its decompressed form does.
    const answer = await stream(uniqueId('req'), json, inChunks(gzipSync(randomBytes(BODY_LIMIT * 3))), 'gzip');
    expect(answer).toMatchObject({ status: 413 });
    const event = paymentEvent();
    const next = await stream(event.id, JSON.stringify(event), inChunks(gzipSync(JSON.stringify(event))), 'gzip');
    expect(next).toMatchObject({ status: 202 });
    await door.topic.arrival(event.id);
  });

  it('keeps answering after clients that go away mid-body, in the middle of a gzip stream', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const json = JSON.stringify(paymentEvent());
      const body = gzipSync(JSON.stringify({ padding: randomBytes(BODY_LIMIT / 4).toString('hex') }));
      expect(await stream(uniqueId('req'), json, inChunks(body, 1024), 'gzip', 2 + attempt)).toBe('aborted');
    }
    const event = paymentEvent();
    expect(await stream(event.id, JSON.stringify(event), inChunks(gzipSync(JSON.stringify(event))), 'gzip')).toMatchObject({ status: 202 });
    await door.topic.arrival(event.id);
  });
});
