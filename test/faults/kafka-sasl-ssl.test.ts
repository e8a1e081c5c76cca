import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flag, topicName } from '@backstop/contracts';
import { createKafka } from '@backstop/kafka';
import { createLogger, REDACTED } from '@backstop/logging';
import { createTenant } from '@backstop/tenancy';
import { readTopic } from '@backstop/testkit';
import { startServiceProcess, type ServiceName, type ServiceProcess } from '../../infra/dev/service-process';
import { readiness } from '../support/readiness';
import { SecuredBroker } from '../support/secured-broker';
import { startServices, stopServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { paymentEvent, postWebhook } from '../support/webhooks';

/**
 * Backstop against brokers that demand TLS and SASL/SCRAM, as managed Kafka does: a private
 * broker whose only client listener is SASL_SSL, with a CA of the test's own. Postgres and
 * Redis are the shared ones. In the faults project because it starts a JVM of its own.
 */
describe('Kafka that demands TLS and SASL/SCRAM', () => {
  const broker = new SecuredBroker(Number(process.env.SECURED_BROKER_PORT ?? 29592));
  const tenantId = 'cardshop';
  let stack: IsolatedStack;
  let secret: string;
  let services: ServiceProcess[] = [];
  const refused: ServiceProcess[] = [];

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, flags: 1 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    await broker.start();
    await broker.createTopics(stack.topicPrefix, { paymentEvents: 2, flags: 1 });
  }, 180_000);

  afterAll(async () => {
    await stopServices([...services, ...refused]);
    await broker.destroy();
    await stack?.close();
  }, 120_000);

  /** Starts a service that must fail, and returns its one `could not start` line once it has exited. */
  async function refusedStart(name: ServiceName, env: Record<string, string>): Promise<{ err: string; lines: string[] }> {
    const service = startServiceProcess(name, { ...stack.env, ...env });
    refused.push(service);
    await expect(service.ready).rejects.toThrow(`${name} exited (1) before it was ready`);
    const line = service.lines.find((candidate) => candidate.includes('could not start'));
    expect(line, service.lines.slice(-10).join('\n')).toBeDefined();
    return { err: String((JSON.parse(line!) as { err: unknown }).err), lines: service.lines };
  }

  it('carries a double charge from ingest through the detector to its flag, and neither service logs the password', async () => {
    services = await startServices(stack, ['ingest', 'detector'], broker.env());
    const address = (name: ServiceName) => services.find((service) => service.name === name)!.address!;
    // Ready means Kafka answered both over the secured listener.
    expect((await readiness(address('ingest'))).status).toBe(200);
    expect((await readiness(address('detector'))).status).toBe(200);

    const flagsKafka = createKafka(broker.brokers, 'secured-flags-reader', createLogger('test', 'silent'), { security: broker.security() });
    const flags = await readTopic(flagsKafka, topicName('flags', stack.topicPrefix));
    try {
      const first = paymentEvent();
      const second = paymentEvent({ ...first.data, paymentId: `${first.data.paymentId}_again` }, new Date(Date.parse(first.occurredAt) + 1000));
      for (const event of [first, second]) expect((await postWebhook(address('ingest'), tenantId, secret, event)).status).toBe(202);

      const flag = await eventually(async () => flags.messages.map((message) => Flag.parse(JSON.parse(message.value))).find((candidate) => candidate.type === 'duplicate.exact'), {
        timeoutMs: 60_000,
        what: 'the duplicate.exact flag on the secured broker',
      });
      expect(flag.payment.paymentId).toBe(second.data.paymentId);
    } finally {
      await flags.stop();
    }

    for (const service of services) {
      const logs = service.lines.join('\n');
      expect(logs.includes(broker.password), `${service.name} logged the SASL password`).toBe(false);
      // The configuration line shows the setting is there, masked.
      expect(logs, service.name).toContain(`"KAFKA_SASL_PASSWORD":"${REDACTED}"`);
    }
  }, 180_000);

  it('takes a SCRAM-SHA-256 user as well, and refuses it the mechanism it has no credential for', async () => {
    const connect = async (mechanism: 'scram-sha-256' | 'scram-sha-512') => {
      const admin = createKafka(broker.brokers, 'secured-sha256', createLogger('test', 'silent'), {
        security: { ssl: broker.security().ssl!, sasl: { mechanism, username: broker.sha256User.username, password: broker.sha256User.password } },
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.length;
      } finally {
        await admin.disconnect();
      }
    };
    expect(await connect('scram-sha-256')).toBe(1);
    await expect(connect('scram-sha-512')).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
  }, 60_000);

  it('refuses a wrong password: ingest exits naming the failed authentication, never ready, never logging what it tried', async () => {
    const wrongPassword = 'notThePassword123';
    const { err, lines } = await refusedStart('ingest', broker.env({ KAFKA_SASL_PASSWORD: wrongPassword }));
    expect(err).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(err).toMatch(/invalid credentials/);
    expect(lines.some((line) => line.includes(wrongPassword))).toBe(false);
  }, 120_000);

  it('refuses brokers whose certificate its CA did not sign: the detector exits naming the certificate, never ready', async () => {
    const { err } = await refusedStart('detector', broker.env({ KAFKA_SSL_CA_FILE: broker.certificates.untrustedCaFile }));
    expect(err).toMatch(/self-signed certificate in certificate chain/);
  }, 120_000);

  it('refuses plaintext to the TLS listener: ingest exits instead of waiting for an answer that never comes', async () => {
    const { err } = await refusedStart('ingest', { KAFKA_BROKERS: broker.brokers.join(',') });
    // The broker hangs up on bytes that are not a TLS handshake; operations.md reads this line.
    expect(err).toMatch(/Closed connection/);
  }, 120_000);
});
