/**
 * `npx tsx bench/detector/observe-script-sections.ts [--payers 500] [--history 25] [--calls 20] [--runs 3]`
 *
 * Where Redis spends its time inside the detector's observe script (observe-payment-8.lua),
 * on both of its paths: a payment judged ahead from the detector's copy of the payer (the
 * caller names the state's version; nothing is read back: most payments as the detector
 * ships) and one whose state is read back as a snapshot. Each section's cost is measured by a
 * copy of the script that returns right after it, run on payers whose histories the whole
 * script filled first; the differences between consecutive copies are the sections' costs.
 * Redis's own time per call (INFO commandstats, EVALSHA only) is read, not the client's, on a
 * private redis-server so nothing else shares it. Prints the median of `--runs` runs per copy.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PaymentSnapshot } from '@backstop/contracts';
import { median, observePaymentArgs, packLimits, payerKeys, PayerStateSettings, stateLimitsOf, toCompact, type JudgedAhead, type SkuSummary } from '@backstop/detection';
import { createRedis, type Redis } from '@backstop/redis';
import { examplePaymentData } from '@backstop/testkit';
import { freePort, PrivateRedis } from '../../test/support/private-redis';

const script = readFileSync(fileURLToPath(new URL('../../packages/detection/src/lua/observe-payment-8.lua', import.meta.url)), 'utf8');

/** The script up to and including `marker`, then a return: what the sections up to there cost. */
function returningAfter(marker: string): string {
  const at = script.indexOf(marker);
  if (at < 0) throw new Error(`observe-payment-8.lua no longer contains: ${marker}`);
  return `${script.slice(0, at + marker.length)}\nif true then return { 0, '' } end\n${script.slice(at + marker.length)}`;
}

/** The whole script, with an empty reply instead of the snapshot. */
function replyingEmpty(source: string): string {
  const reply = 'return { 0, snapshot, version }';
  if (!source.includes(reply)) throw new Error(`observe-payment-8.lua no longer ends with: ${reply}`);
  return source.replace(reply, "return { 0, '', version }");
}

/** Cut points in the script's order, each with what the section ending there does. */
const READ_BACK_SECTIONS: { name: string; source: string }[] = [
  { name: 'call overhead and the seen header (HMGET)', source: returningAfter("  return { 1, header[1] }\nend") },
  { name: 'reading the history, order, recipients, categories, deliveries', source: returningAfter("local knownDeliveries = redis.call('ZRANGE', deliveries, 0, -1, 'WITHSCORES')") },
  { name: 'quoting them as JSON', source: returningAfter('deliveriesJson = quoted(knownDeliveries, nil)') },
  { name: 'assembling the snapshot', source: returningAfter(`'],"context":' .. context .. '}'`) },
  { name: 'recording the payment (ZADD, trim)', source: returningAfter("if renew or paymentCount == 0 then redis.call('EXPIRE', payments, payerTtl) end") },
  { name: 'the order, recipients and categories', source: returningAfter("elseif renew then\n  redis.call('EXPIRE', categories, payerTtl)\nend") },
  { name: 'storing the snapshot under the event id, evicting old ids', source: replyingEmpty(script) },
  { name: 'the reply: the snapshot sent back', source: script },
];

const JUDGED_AHEAD_SECTIONS: { name: string; source: string }[] = [
  { name: 'call overhead and the seen header (HMGET)', source: returningAfter("  return { 1, header[1] }\nend") },
  { name: "the order's json (HGET)", source: returningAfter("local orderPayments = redis.call('HGET', orders, orderId)") },
  { name: 'proving the copy exact (four ZCARD)', source: returningAfter("and expected[4] == redis.call('ZCARD', deliveries) and expected[5] == newest\nend") },
  { name: 'known recipient and category (two ZSCORE)', source: returningAfter("knownCategory = category ~= '' and redis.call('ZSCORE', categories, category) ~= false") },
  { name: 'recording the payment (ZADD, trim)', source: returningAfter("if renew or paymentCount == 0 then redis.call('EXPIRE', payments, payerTtl) end") },
  { name: 'the order (HSET, ZADD, evicting old orders)', source: returningAfter("  redis.call('EXPIRE', ordersAt, payerTtl)\nend") },
  { name: 'recipients and categories (ZADD, trim)', source: returningAfter("elseif renew then\n  redis.call('EXPIRE', categories, payerTtl)\nend") },
  { name: 'the version, the flags under the event id, evicting old ids', source: script },
];

const PREFIX = 'bench';
/** The detector's default limits, as it packs them. */
const limits = packLimits(stateLimitsOf(PayerStateSettings.parse({ REDIS_KEY_PREFIX: PREFIX })));
const SKUS = ['genshin-welkin-30d', '腾讯Q币-100', 'steam-wallet-100', 'pubg-uc-600'];
/** What the sku's prices across payers say, as the detector hands them to the script. */
const SKU_SUMMARY: SkuSummary = { count: 40, medianUnitPrice: 3000, logMedian: 8.006, logMad: 0.01 };

const paymentOf = (run: string, payer: number, round: number, startMs: number): PaymentSnapshot => {
  const id = `${run}_${payer}_${startMs + round}`;
  return {
    eventId: `evt_${id}`,
    ...examplePaymentData(id, { payerId: `${run}-u${payer}`, sku: SKUS[round % SKUS.length], category: `cat-${round % 5}`, recipientAccount: `80001234${round % 7}` }),
    occurredAt: new Date(startMs + round * 600_000 + payer).toISOString(),
  };
};

/**
 * What a copy of each payer would name, read from Redis as the script left it (one pipeline
 * for them all): the version, the counts the script compares, and the new order's length
 * (each payment opens an order).
 */
async function judgedAheadOf(redis: Redis, payments: readonly PaymentSnapshot[]): Promise<JudgedAhead[]> {
  const pipeline = redis.pipeline();
  for (const payment of payments) {
    const keys = payerKeys(PREFIX, 't', payment.payerId);
    pipeline.hget(keys.seen, '#version').hget(keys.seen, '#newest')
      .zcard(keys.payments(payment.currency)).zcard(keys.recipients).zcard(keys.categories).zcard(keys.deliveries)
      .hstrlen(keys.orders, payment.orderId);
  }
  const values = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return value;
  });
  return payments.map((payment, i) => {
    const [version, newest, paid, recipients, categories, deliveries, orderLength] = values.slice(i * 7, i * 7 + 7);
    return { version: String(version ?? ''), orderLength: Number(orderLength), counts: [paid, recipients, categories, deliveries, newest ?? 0].join(' '), flags: '[]', compact: toCompact(payment) };
  });
}

/** Which copy of the script a run calls, and whether its payments name the state they were judged against. */
interface Calling {
  sha: string;
  /** The whole script, not a copy cut short: it must answer 2 for every payment judged ahead. */
  whole: boolean;
  judged: boolean;
}

/**
 * Each payer pays `rounds` times, ten minutes apart from `startMs`, with one pipeline per
 * round; judged ahead, each payment names the state the payer's keys hold as the round begins.
 */
async function pay(redis: Redis, calling: Calling, run: string, payers: number, rounds: number, startMs: number): Promise<number> {
  let calls = 0;
  for (let round = 0; round < rounds; round += 1) {
    const payments = Array.from({ length: payers }, (_, payer) => paymentOf(run, payer, round, startMs));
    const ahead = calling.judged ? await judgedAheadOf(redis, payments) : [];
    const pipeline = redis.pipeline();
    payments.forEach((payment, payer) => {
      pipeline.evalsha(calling.sha, 8, ...observePaymentArgs(PREFIX, 't', payment, Date.parse(payment.occurredAt), SKU_SUMMARY, Date.now(), limits, ahead[payer]));
      calls += 1;
    });
    for (const [error, reply] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      // Anything but 2 means the bench's copy of the payer was not exact.
      if (calling.judged && calling.whole && (reply as unknown[])[0] !== 2) throw new Error(`a payment meant to be judged ahead was read back: ${JSON.stringify(reply).slice(0, 80)}`);
    }
  }
  return calls;
}

async function main() {
  const { values } = parseArgs({ options: { payers: { type: 'string', default: '500' }, history: { type: 'string', default: '25' }, calls: { type: 'string', default: '20' }, runs: { type: 'string', default: '3' } } });
  const [payers, history, rounds, runs] = [values.payers, values.history, values.calls, values.runs].map(Number) as [number, number, number, number];
  const server = new PrivateRedis(await freePort());
  await server.start();
  const redis = createRedis(server.url, 'observe-script-sections');
  try {
    const fullSha = String(await redis.script('LOAD', script));
    for (const [path, sections, judged] of [['judged ahead from the copy', JUDGED_AHEAD_SECTIONS, true], ['read back', READ_BACK_SECTIONS, false]] as const) {
      const perCall = new Map<string, number[]>();
      for (let run = 0; run < runs; run += 1) {
        for (const [index, section] of sections.entries()) {
          await redis.flushall();
          const sha = String(await redis.script('LOAD', section.source));
          const startMs = Date.parse('2026-11-01T00:00:00Z');
          await pay(redis, { sha: fullSha, whole: true, judged: false }, `s${index}`, payers, history, startMs);
          await redis.config('RESETSTAT');
          const calls = await pay(redis, { sha, whole: section.source === script, judged }, `s${index}`, payers, rounds, startMs + history * 600_000);
          const stats = String(await redis.info('commandstats')).split('\n').find((line) => line.startsWith('cmdstat_evalsha'));
          const micros = Number(/usec=(\d+)/.exec(stats ?? '')?.[1]);
          perCall.set(section.name, [...(perCall.get(section.name) ?? []), micros / calls]);
        }
      }
      console.log(`\n${path}: ${payers} payers with ${history} payments each, then ${rounds} more each; Redis µs per call, median of ${runs} runs\n`);
      console.log('| the script up to and including | µs per call | this section |');
      console.log('|---|---|---|');
      let before = 0;
      for (const { name } of sections) {
        const upTo = median(perCall.get(name)!);
        console.log(`| ${name} | ${upTo.toFixed(1)} | ${(upTo - before).toFixed(1)} |`);
        before = upTo;
      }
    }
  } finally {
    redis.disconnect();
    await server.kill();
  }
}

await main();
