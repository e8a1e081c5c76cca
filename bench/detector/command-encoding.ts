/**
 * What ioredis's encoding of one observe call costs the detector, in CPU and bytes, against the
 * same call with its arguments after the first key packed into one: how much fewer, larger
 * arguments could save before anyone rewrites the script to take them.
 *
 *   npx tsx bench/detector/command-encoding.ts [calls=100000] [rounds=5]
 *
 * Arguments come from observePaymentArgs for a payment judged ahead (a Chinese sku and category,
 * flags, the copy's counts), as the detector sends 97 % of its calls.
 */
import type { PaymentSnapshot } from '@backstop/contracts';
import { median, observePaymentArgs, packLimits, toCompact } from '@backstop/detection';
import { examplePaymentData } from '@backstop/testkit';
import CommandModule from 'ioredis/built/Command';

// ioredis ships Command as a CommonJS default export.
const Command = (CommandModule as unknown as { default: new (name: string, args: (string | number)[]) => { toWritable(socket: unknown): string | Buffer } }).default;

const calls = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);

const payment: PaymentSnapshot = {
  eventId: 'evt_0123456789abcdef', ...examplePaymentData('0123456789ab', { sku: '腾讯Q币-100', category: '游戏点卡' }), quantity: 1, occurredAt: '2026-12-02T08:00:00.000Z',
};
const limits = packLimits({
  historyHorizonMs: 90 * 86_400_000, historyCap: 50, seenCap: 500, seenHorizonMs: 48 * 3_600_000, payerTtlSeconds: 91 * 86_400,
  orderCap: 200, orderHorizonMs: 30 * 86_400_000, recipientCap: 50, categoryCap: 50,
});
const args = observePaymentArgs('bs:', 'cardshop', payment, Date.parse(payment.occurredAt), undefined, Date.now(), limits, {
  version: 'c0ffee'.repeat(6) + 'beef', orderLength: 0, counts: '12 3 4 2 1764662400000', flags: '[]', compact: toCompact(payment),
});
const sha = 'a'.repeat(40);
const asSent = [sha, 8, ...args];
const packed = [sha, 1, args[0], args.slice(1).join('\u0001')];

function encode(commandArgs: (string | number)[]): { microsPerCall: number; bytes: number } {
  let bytes = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i += 1) {
    const written = new Command('evalsha', commandArgs).toWritable(undefined);
    bytes += typeof written === 'string' ? Buffer.byteLength(written) : written.length;
  }
  const used = process.cpuUsage(before);
  return { microsPerCall: (used.user + used.system) / calls, bytes: bytes / calls };
}

const shipped: number[] = [];
const fewer: number[] = [];
let bytes = { shipped: 0, fewer: 0 };
for (let round = 0; round < rounds; round += 1) {
  const a = encode(asSent);
  const b = encode(packed);
  shipped.push(a.microsPerCall);
  fewer.push(b.microsPerCall);
  bytes = { shipped: a.bytes, fewer: b.bytes };
}
const format = (values: number[]) => values.map((value) => value.toFixed(2)).join(', ');
console.log(`observe call as sent (${asSent.length} arguments, ${bytes.shipped} bytes): µs of CPU per call ${format(shipped)}; median ${median(shipped).toFixed(2)}`);
console.log(`packed (${packed.length} arguments, ${bytes.fewer} bytes): µs of CPU per call ${format(fewer)}; median ${median(fewer).toFixed(2)}`);
