/**
 * The worked example of docs/backtest.md, produced by the real command: a slice of its own
 * with the detector and refund worker as real processes, seeded traffic of a card shop with
 * suspected duplicates planted 30 s, 5 min and 15 min apart, four reviewer verdicts, then
 * `npm run cli -- backtest` with a wider duplicate window and a higher auto-refund cap.
 * Prints the command and what it printed; removes the slice.
 *
 *   npx tsx bench/backtest/worked-example.ts [--seed N]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { topicName, type WebhookEvent } from '@backstop/contracts';
import { createIdempotentProducer } from '@backstop/kafka';
import { saveRefundPolicy } from '@backstop/ledger';
import { createTenant } from '@backstop/tenancy';
import { createSlice, freshSeed, groupCaughtUp, publishEvents } from '@backstop/testkit';
import { startServiceProcess } from '../../infra/dev/service-process';
import { reviewDecision, type Verdict } from '../../services/console/src/refunds/review';
import { backtestTraffic } from '../../test/support/backtest-traffic';
import { benchLogger, endpointsFromEnv } from '../lib/slice';

const run = promisify(execFile);
const { values } = parseArgs({ options: { seed: { type: 'string' } } });
const seed = Number(values.seed ?? freshSeed());
const tenantId = 'cardshop';
const traffic = backtestTraffic(seed, 2_000);
const slice = await createSlice(
  endpointsFromEnv(),
  { name: 'example', partitions: { paymentEvents: 3, flags: 2 }, logger: benchLogger },
);
const services = ['detector', 'refund-worker'].map((name) => startServiceProcess(name as 'detector', { ...slice.env, DETECTOR_METRICS_PORT: '0', REFUND_WORKER_METRICS_PORT: '0' }));
const producer = createIdempotentProducer(slice.kafka);
try {
  await Promise.all(services.map((service) => service.ready));
  await createTenant(slice.pool, { tenantId, name: 'Card shop' });
  await saveRefundPolicy(slice.pool, tenantId, { v: 1, rules: { 'duplicate.suspected': { action: 'auto_refund', bySeverity: { medium: 'review' } } }, maxAutoRefund: { CNY: 50_000 } }, 'example');
  await producer.connect();
  const eventsTopic = topicName('paymentEvents', slice.topicPrefix);
  const publish = async (events: readonly WebhookEvent[]) => {
    for (let start = 0; start < events.length; start += 500) {
      await publishEvents(producer, eventsTopic, tenantId, events.slice(start, start + 500));
    }
  };
  await publish(traffic.history);
  const fromMs = Date.now() + 1;
  while (Date.now() <= fromMs) await new Promise((resolve) => setTimeout(resolve, 1));
  await publish(traffic.period);
  const toMs = Date.now() + 1;
  for (const deadline = Date.now() + 180_000; ; ) {
    if (Date.now() > deadline) throw new Error('the detector and refund worker did not finish the traffic within 3 minutes');
    const done = (await groupCaughtUp(slice.kafka, `${slice.topicPrefix}backstop-detector`, eventsTopic))
      && (await groupCaughtUp(slice.kafka, `${slice.topicPrefix}backstop-refund-worker`, topicName('flags', slice.topicPrefix)));
    if (done) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const verdicts: Verdict[] = ['approve', 'approve', 'reject', 'false-positive'];
  const pending = await slice.pool.query<{ decision_id: string; payment_id: string }>(
    'SELECT decision_id, payment_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = ANY($2)', [tenantId, traffic.close.map((pair) => pair.paymentId)],
  );
  for (const [index, pair] of traffic.close.entries()) {
    const row = pending.rows.find((r) => r.payment_id === pair.paymentId);
    if (row) await reviewDecision(slice.pool, tenantId, row.decision_id, verdicts[index]!, 'key:reviewer', 'checked with the payer');
  }
  const dir = mkdtempSync(join(tmpdir(), 'backstop-example-'));
  writeFileSync(join(dir, 'rules.json'), JSON.stringify({ 'duplicate.suspected': { windowSeconds: 600 } }, null, 2));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify({ v: 1, rules: { 'duplicate.suspected': { action: 'auto_refund', bySeverity: { medium: 'review' } } }, maxAutoRefund: { CNY: 100_000 } }, null, 2));
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, toMs - Date.now() + 1)));
  const args = ['backtest', '--tenant', tenantId, '--from', new Date(fromMs).toISOString(), '--to', new Date(toMs).toISOString(), '--rules', 'rules.json', '--policy', 'policy.json'];
  const { stdout, stderr } = await run('npm', ['run', '--silent', 'cli', '--', ...args.map((a) => (a.endsWith('.json') ? join(dir, a) : a))], { env: { ...process.env, ...slice.env } });
  process.stdout.write(`seed ${seed}\n$ npm run cli -- ${args.join(' ')}\n${stderr}${stdout}`);
} finally {
  await producer.disconnect();
  await Promise.all(services.map((service) => service.stop('SIGTERM')));
  await slice.close();
}
