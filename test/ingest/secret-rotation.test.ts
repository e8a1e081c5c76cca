import { describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { generateWebhookSecret } from '@backstop/signing';
import { retireOldSecrets, rotateWebhookSecret } from '@backstop/tenancy';
import { paymentEvent } from '../support/webhooks';
import { eventually } from '../support/wait';
import { ingestDoorForTests, postEvent } from './harness';

/** Secret rotation through ingest's own secrets cache, on real Postgres, Kafka and Redis. */
describe('rotating a webhook secret while ingest caches secrets', () => {
  const door = ingestDoorForTests({ tenantId: 'rotating', settings: { cachedSecrets: true } });

  it('accepts a request signed only with the new secret the moment the rotation returned it', async () => {
    // The cache now holds the secrets as they were before the rotation.
    expect((await postEvent(door.ingest.app, door.tenantId, door.secret, paymentEvent())).statusCode).toBe(202);
    const { webhookSecret } = await rotateWebhookSecret(door.stack.pool, door.tenantId);
    const event = paymentEvent();
    const response = await postEvent(door.ingest.app, door.tenantId, webhookSecret, event);
    expect(response.statusCode, response.body).toBe(202);
    await door.topic.arrival(event.id);
    expect((await postEvent(door.ingest.app, door.tenantId, door.secret, paymentEvent())).statusCode).toBe(202);

    // A secret nobody issued is still refused, however often it is tried.
    const forged = await Promise.all(Array.from({ length: 20 }, () => postEvent(door.ingest.app, door.tenantId, generateWebhookSecret(), paymentEvent())));
    expect(forged.map((answer) => answer.json().type)).toEqual(forged.map(() => `${PROBLEM_BASE}invalid-signature`));

    // A retired secret is refused once the cache's few seconds are over, and the new one goes on.
    await retireOldSecrets(door.stack.pool, door.tenantId);
    await eventually(async () => ((await postEvent(door.ingest.app, door.tenantId, door.secret, paymentEvent())).statusCode === 401 ? true : undefined), { what: 'the retired secret refused' });
    const after = paymentEvent();
    expect((await postEvent(door.ingest.app, door.tenantId, webhookSecret, after)).statusCode).toBe(202);
    await door.topic.arrival(after.id);
  });
});
