import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName, type Flag } from '@backstop/contracts';
import { DeadLetter } from '@backstop/kafka';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { makeFlag, sendFlags } from './support/flags';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { readTopic } from '@backstop/testkit';
import { eventually } from './support/wait';

describe('refund worker dead letters', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId: 'known', name: 'Known' });
    services = await startServices(stack, ['refund-worker']);
  }, 120_000);
  afterAll(async () => {
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('parks a flag of an unknown tenant with its own original bytes, and records the rest of the batch', async () => {
    const orphan = makeFlag('ghost-shop');
    const kept = makeFlag('known');
    await sendFlags(stack.kafka, stack.topicPrefix, [orphan, kept]);

    await eventually(async () => {
      const decided = await stack.pool.query('SELECT 1 FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', ['known', kept.payment.paymentId]);
      return decided.rowCount ? true : undefined;
    }, { what: 'the known tenant\'s decision' });
    const deadLetters = await readTopic(stack.kafka, topicName('deadLetter', stack.topicPrefix));
    try {
      const letter = await eventually(async () => {
        const found = deadLetters.messages.map((m) => DeadLetter.parse(JSON.parse(m.value))).find((l) => l.reason.includes('ghost-shop'));
        return found;
      }, { what: 'the orphan\'s dead letter' });
      expect(letter.reason).toBe('unknown tenant ghost-shop');
      expect(JSON.parse(Buffer.from(letter.valueBase64!, 'base64').toString('utf8'))).toEqual(orphan);
    } finally {
      await deadLetters.stop();
    }
    const orphaned = await stack.pool.query('SELECT 1 FROM flags WHERE tenant_id = $1', ['ghost-shop']);
    expect(orphaned.rowCount).toBe(0);
  }, 90_000);

  it('parks a flag carrying a NUL, which Postgres cannot store, rather than retrying its batch for ever', async () => {
    // Same payer, so the same partition: the flag behind it is recorded only if the worker moves on.
    const poisoned = { ...makeFlag('known', { payerId: 'u_poison' }) };
    poisoned.payment = { ...poisoned.payment, channel: 'ali\u0000pay' };
    const behind = makeFlag('known', { payerId: 'u_poison' });
    await sendFlags(stack.kafka, stack.topicPrefix, [poisoned as Flag, behind]);

    await eventually(async () => {
      const decided = await stack.pool.query('SELECT 1 FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', ['known', behind.payment.paymentId]);
      return decided.rowCount ? true : undefined;
    }, { what: 'the decision on the flag behind the poisoned one' });
    const deadLetters = await readTopic(stack.kafka, topicName('deadLetter', stack.topicPrefix));
    try {
      await eventually(async () => deadLetters.messages.map((m) => DeadLetter.parse(JSON.parse(m.value)))
        .find((letter) => Buffer.from(letter.valueBase64 ?? '', 'base64').toString('utf8').includes(poisoned.flagId)), { what: 'the poisoned flag\'s dead letter' });
    } finally {
      await deadLetters.stop();
    }
    expect((await stack.pool.query('SELECT 1 FROM flags WHERE flag_id = $1', [poisoned.flagId])).rowCount).toBe(0);
  }, 90_000);
});
