/**
 * `npm run simulate`: plays a card platform. Signs and posts realistic traffic to ingest at a
 * steady rate, with a configurable share of each kind of mistake, retries the way platforms
 * do, and prints what it sent.
 *
 *   BACKSTOP_WEBHOOK_SECRET=whsec_... npm run simulate -- --tenant demo --rate 50 --duration 30 \
 *     --mistakes duplicate=0.05,amount=0.02,recipient=0.02,product=0.02 [--batch 100] [--log sent.jsonl] [--catalogue en] [--seed N]
 *
 * The secret comes from the environment, never from the command line, where `ps` would show it.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { WebhookClient, type Delivery } from './client';
import { CATALOGUES, type CatalogueLanguage } from '../shop/catalogue';
import { DEFAULT_MIX, MISTAKES, parseMistakes, TrafficGenerator, type Generated, type SentKind } from './traffic';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.INGEST_URL ?? 'http://127.0.0.1:8080' },
    tenant: { type: 'string', default: process.env.BACKSTOP_TENANT ?? 'demo' },
    rate: { type: 'string', default: '20' },
    duration: { type: 'string', default: '10' },
    mistakes: { type: 'string' },
    delivered: { type: 'string', default: String(DEFAULT_MIX.delivered) },
    retry: { type: 'string', default: String(DEFAULT_MIX.retry) },
    batch: { type: 'string', default: '0' },
    payers: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '64' },
    timeout: { type: 'string', default: '10000' },
    log: { type: 'string' },
    /** zh (the default): the shop names its goods in Chinese; en: the same shop in English. */
    catalogue: { type: 'string', default: 'zh' },
    /** The same seed sends the same events; a fresh one, printed, by default. */
    seed: { type: 'string' },
  },
});

const secret = process.env.BACKSTOP_WEBHOOK_SECRET;
if (!secret) {
  process.stderr.write('Set BACKSTOP_WEBHOOK_SECRET to the tenant\'s webhook secret (npm start prints the demo\'s).\n');
  process.exit(2);
}
if (args.seed !== undefined && !/^\d{1,10}$/.test(args.seed)) {
  process.stderr.write('--seed must be a whole number.\n');
  process.exit(2);
}
if (!Object.hasOwn(CATALOGUES, args.catalogue)) {
  process.stderr.write(`--catalogue must be one of ${Object.keys(CATALOGUES).join(', ')}.\n`);
  process.exit(2);
}
const rate = Number(args.rate);
const durationS = Number(args.duration);
const batchSize = Number(args.batch);
const concurrency = Number(args.concurrency);
const generator = new TrafficGenerator({
  mix: { mistakes: args.mistakes !== undefined ? parseMistakes(args.mistakes) : DEFAULT_MIX.mistakes, delivered: Number(args.delivered), retry: Number(args.retry) },
  payers: Number(args.payers),
  catalogue: args.catalogue as CatalogueLanguage,
  ...(args.seed !== undefined ? { seed: Number(args.seed) } : {}),
});
process.stdout.write(`seed ${generator.seed} (--seed ${generator.seed} sends the same traffic again; its event ids are then answered as duplicates)\n`);
const client = new WebhookClient({ baseUrl: args.url, tenantId: args.tenant, secret, timeoutMs: Number(args.timeout), attempts: 6 });
const log = args.log ? createWriteStream(args.log) : undefined;

const sentByKind = new Map<SentKind, number>();
const answers = new Map<string, number>();
let retries = 0;
let inFlight = 0;
const tally = (map: Map<string, number>, key: string, by = 1) => map.set(key, (map.get(key) ?? 0) + by);

function record(items: Generated[], delivery: Delivery): void {
  retries += delivery.attempts - 1;
  const results = (delivery.body as { results?: { status: string; problem?: { status: number } }[] } | undefined)?.results;
  items.forEach((item, index) => {
    tally(sentByKind as Map<string, number>, item.kind);
    const result = results?.[index];
    const answer = result ? `${delivery.status} ${result.status}` : String(delivery.status || 'no answer');
    tally(answers, answer);
    // One line per event in the invariant checker's format: the sender's own record.
    const status = !result ? delivery.status : result.status === 'accepted' ? 202 : result.status === 'duplicate' ? 200 : (result.problem?.status ?? 400);
    const payment = item.event.type === 'payment.succeeded' ? item.event.data : undefined;
    log?.write(`${JSON.stringify({
      tenantId: args.tenant, eventId: item.event.id, type: item.event.type, kind: item.kind, status, answer,
      ...(payment ? { paymentId: payment.paymentId, amount: payment.amount } : {}),
      ...((MISTAKES as readonly string[]).includes(item.kind) ? { mistake: item.kind } : {}),
    })}\n`);
  });
}

async function send(items: Generated[]): Promise<void> {
  inFlight += 1;
  try {
    const delivery = batchSize > 0 ? await client.sendBatch(items.map((item) => item.event)) : await client.sendEvent(items[0]!.event);
    record(items, delivery);
  } finally {
    inFlight -= 1;
  }
}

const startedAt = Date.now();
const pending = new Set<Promise<void>>();
let generated = 0;
process.stdout.write(`Posting ~${rate} events/s to ${args.url} as tenant ${args.tenant} for ${durationS} s${batchSize > 0 ? `, ${batchSize} per batch` : ''}...\n`);
while (Date.now() - startedAt < durationS * 1000) {
  const due = Math.floor(((Date.now() - startedAt) / 1000) * rate) - generated;
  const perRequest = Math.max(1, batchSize);
  if (due >= perRequest && inFlight < concurrency) {
    const items = Array.from({ length: perRequest }, () => generator.next());
    generated += items.length;
    const sending: Promise<void> = send(items).finally(() => pending.delete(sending));
    pending.add(sending);
  } else {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
// The run ends with every planted mistake complete: a correction still queued goes out too.
const rest = generator.drain();
if (rest.length > 0) {
  generated += rest.length;
  pending.add(batchSize > 0 ? send(rest) : Promise.all(rest.map((item) => send([item]))).then(() => undefined));
}
await Promise.all(pending);
log?.end();

const elapsedS = (Date.now() - startedAt) / 1000;
const lines = [
  '',
  `Sent ${generated} events in ${elapsedS.toFixed(1)} s (${(generated / elapsedS).toFixed(1)} events/s), ${retries} retried attempts.`,
  'By kind:',
  ...[...sentByKind].sort().map(([kind, count]) => `  ${kind.padEnd(12)} ${count}`),
  'Answers:',
  ...[...answers].sort().map(([answer, count]) => `  ${answer.padEnd(16)} ${count}`),
  ...(args.log ? [`Every event sent is listed in ${args.log}.`] : []),
];
process.stdout.write(`${lines.join('\n')}\n`);
