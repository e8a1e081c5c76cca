import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { sign } from '@backstop/signing';
import { intentFor } from '../checks/intents';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { ingestDoorForTests } from './harness';

/** Bytes that JSON.parse would have read some other way than the platform meant: refused at every signed door. */
describe('bodies read strictly at the signed doors, on real Kafka and Redis', () => {
  const door = ingestDoorForTests();

  /** Posts `bytes` signed as they are, as the platform signed them. */
  const post = (bytes: Buffer, { id = uniqueId('req'), url = '/v1/webhooks/payments', headers = {} as Record<string, string> } = {}) => {
    const timestamp = Math.floor(Date.now() / 1000);
    return door.ingest.app.inject({
      method: 'POST', url, payload: bytes,
      headers: {
        'content-type': 'application/json', 'x-tenant-id': door.tenantId,
        'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(door.secret, id, timestamp, bytes),
        ...headers,
      },
    });
  };
  /** `json` with its "@@" encoded as the Latin-1 byte 0xE9 (é), as a writer set to Latin-1 sends it. */
  const latin1 = (json: string) => {
    const [before, after] = json.split('@@') as [string, string];
    return Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(after)]);
  };

  async function expectRefused(send: () => ReturnType<typeof post>, status: number, reason: string, path?: string) {
    const before = await door.rejectedCount(reason);
    const response = await send();
    expect(response.statusCode, response.body).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ type: PROBLEM_BASE + reason, status });
    if (path) expect(response.json().errors).toEqual([{ path, message: expect.any(String) }]);
    expect(await door.rejectedCount(reason)).toBe(before + 1);
    return response.json();
  }

  it('refuses bodies that are not UTF-8, at every door and compressed too, so José and Josè stay two payers', async () => {
    const marker = uniqueId('Jos');
    const single = paymentEvent({ payerId: `${marker}@@` });
    const problem = await expectRefused(() => post(latin1(JSON.stringify(single)), { id: single.id }), 400, 'invalid-utf8');
    expect(JSON.stringify(problem)).not.toContain(marker);
    const batch = JSON.stringify({ events: [paymentEvent({ payerId: `${marker}_b@@` }), paymentEvent({ payerId: `${marker}_b` })] });
    await expectRefused(() => post(latin1(batch), { url: '/v1/webhooks/payments:batch' }), 400, 'invalid-utf8');
    const intent = intentFor({ payerId: `${marker}@@` });
    await expectRefused(() => post(latin1(JSON.stringify(intent)), { id: intent.intentId, url: '/v1/checks' }), 400, 'invalid-utf8');
    const compressed = paymentEvent({ payerId: `${marker}_gz@@` });
    await expectRefused(() => {
      const bytes = latin1(JSON.stringify(compressed));
      const timestamp = Math.floor(Date.now() / 1000);
      return door.ingest.app.inject({
        method: 'POST', url: '/v1/webhooks/payments', payload: gzipSync(bytes),
        headers: {
          'content-type': 'application/json', 'content-encoding': 'gzip', 'x-tenant-id': door.tenantId,
          'webhook-id': compressed.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': sign(door.secret, compressed.id, timestamp, bytes),
        },
      });
    }, 400, 'invalid-utf8');

    const accepted = [paymentEvent({ payerId: `${marker}é` }), paymentEvent({ payerId: `${marker}è` })];
    for (const event of accepted) expect((await post(Buffer.from(JSON.stringify(event)), { id: event.id })).statusCode).toBe(202);
    const payers = await Promise.all(accepted.map(async (event) => (await door.topic.arrival(event.id)).event.data.payerId));
    expect(payers).toEqual([`${marker}é`, `${marker}è`]);
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker) && !accepted.some((event) => raw.includes(event.id)));
  });

  it('refuses a charset other than UTF-8 with 415, and takes UTF-8 however it is spelled', async () => {
    const marker = uniqueId('u_charset');
    for (const charset of ['ISO-8859-1', 'latin1', 'utf-16', '"windows-1252"']) {
      const event = paymentEvent({ payerId: marker });
      await expectRefused(() => post(Buffer.from(JSON.stringify(event)), { id: event.id, headers: { 'content-type': `application/json; charset=${charset}` } }), 415, 'unsupported-charset');
    }
    for (const contentType of ['application/json; charset=UTF-8', 'application/json;charset="utf-8"', 'application/json; charset=utf8', 'Application/JSON; Charset=UTF8']) {
      const event = paymentEvent();
      const response = await post(Buffer.from(JSON.stringify(event)), { id: event.id, headers: { 'content-type': contentType } });
      expect(response.statusCode, `${contentType}: ${response.body}`).toBe(202);
    }
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });

  it('refuses a member name sent twice in one object, naming its path, at every door', async () => {
    const marker = uniqueId('u_twice');
    const single = paymentEvent({ payerId: marker, amount: 3000, unitPrice: 3000 });
    const twice = JSON.stringify(single).replace('"amount":3000', '"amount":3000,"amount":300000');
    await expectRefused(() => post(Buffer.from(twice), { id: single.id }), 400, 'duplicate-key', '$.data.amount');
    const escaped = JSON.stringify(single).replace('"amount":3000', '"amount":3000,"\\u0061mount":300000');
    await expectRefused(() => post(Buffer.from(escaped), { id: single.id }), 400, 'duplicate-key', '$.data.amount');

    const events = [paymentEvent({ payerId: marker }), paymentEvent({ payerId: marker }), paymentEvent({ payerId: marker, currency: 'CNY' })];
    const batch = JSON.stringify({ events }).replace(/"currency":"CNY"(?![\s\S]*"currency":"CNY")/, '"currency":"CNY","currency":"JPY"');
    await expectRefused(() => post(Buffer.from(batch), { url: '/v1/webhooks/payments:batch' }), 400, 'duplicate-key', '$.events[2].data.currency');

    const intent = intentFor({ payerId: marker });
    const check = JSON.stringify(intent).replace('"payerId"', '"orderId":"ord_other","payerId"');
    await expectRefused(() => post(Buffer.from(check), { id: intent.intentId, url: '/v1/checks' }), 400, 'duplicate-key', '$.orderId');

    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });
});
