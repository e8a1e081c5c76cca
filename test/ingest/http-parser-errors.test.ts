import { connect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { signedHeaders } from '@backstop/signing';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { ingestDoorForTests } from './harness';

/** Requests Node's HTTP parser refuses before Fastify sees them, sent byte for byte over a real socket. */
describe('requests the HTTP parser refuses', () => {
  const door = ingestDoorForTests();
  let port = 0;
  beforeAll(async () => {
    await door.ingest.app.listen({ host: '127.0.0.1', port: 0 });
    port = (door.ingest.app.server.address() as { port: number }).port;
  });

  /** Writes `raw` on a fresh connection (half-closing it after, if asked) and resolves with everything answered until ingest closes it. */
  function exchange(raw: string, { halfClose = false } = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(raw);
        if (halfClose) socket.end();
      });
      let answered = '';
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => (answered += text));
      socket.on('close', () => resolve(answered));
      socket.on('error', reject);
    });
  }

  /** A signed event's request head and body, with `head` lines in place of the usual Content-Length. */
  function signedEvent(secretWord: string, head: (body: string) => string[]) {
    const event = paymentEvent({ payerId: secretWord });
    const body = JSON.stringify(event);
    const headers = { 'content-type': 'application/json', 'x-tenant-id': door.tenantId, ...signedHeaders(door.secret, event.id, body) };
    const lines = ['POST /v1/webhooks/payments HTTP/1.1', 'Host: ingest', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`), ...head(body)];
    return { event, body, head: `${lines.join('\r\n')}\r\n\r\n` };
  }

  it.each([
    { name: 'a Content-Length shorter than the body', reason: 'invalid-content-length', send: (s: ReturnType<typeof signedEvent>) => exchange(s.head + s.body), head: (body: string) => [`Content-Length: ${Buffer.byteLength(body) - 20}`] },
    { name: 'Content-Length with Transfer-Encoding: chunked', reason: 'invalid-content-length', send: (s: ReturnType<typeof signedEvent>) => exchange(`${s.head}${Buffer.byteLength(s.body).toString(16)}\r\n${s.body}\r\n0\r\n\r\n`), head: (body: string) => [`Content-Length: ${Buffer.byteLength(body)}`, 'Transfer-Encoding: chunked'] },
    { name: 'two different Content-Lengths', reason: 'invalid-content-length', send: (s: ReturnType<typeof signedEvent>) => exchange(s.head + s.body), head: (body: string) => [`Content-Length: ${Buffer.byteLength(body)}`, `Content-Length: ${Buffer.byteLength(body) + 1}`] },
    { name: 'a Content-Length that is not a number', reason: 'invalid-content-length', send: (s: ReturnType<typeof signedEvent>) => exchange(s.head + s.body), head: (body: string) => [`Content-Length: ${Buffer.byteLength(body)}x`] },
    { name: 'a body that ends before its Content-Length', reason: 'invalid-content-length', send: (s: ReturnType<typeof signedEvent>) => exchange(s.head + s.body, { halfClose: true }), head: (body: string) => [`Content-Length: ${Buffer.byteLength(body) + 100}`] },
    { name: 'bytes that are not HTTP at all', reason: 'bad-request', send: (s: ReturnType<typeof signedEvent>) => exchange(`${s.body}\r\n\r\n`), head: () => [] },
  ])('answers $name with 400 $reason as problem+json, counted, echoing nothing, and records nothing', async ({ reason, send, head }) => {
    const secretWord = uniqueId('u_never_echoed');
    const request = signedEvent(secretWord, head);
    const before = await door.rejectedCount(reason);
    const answered = await send(request);
    expect(answered).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answered).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    const problem = JSON.parse(answered.slice(answered.indexOf('\r\n\r\n') + 4));
    expect(problem).toMatchObject({ type: PROBLEM_BASE + reason, status: 400 });
    expect(answered).not.toContain('Client Error');
    expect(answered).not.toContain(secretWord);
    expect(answered).not.toContain(request.event.id);
    expect(await door.rejectedCount(reason)).toBe(before + 1);
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(secretWord));
  });
});
