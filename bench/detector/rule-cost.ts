/**
 * What each rule costs per payment, in-process and without I/O, against a payer with a full
 * history of 50 top-ups: a payment to a known account, to a new account one edit from a known
 * one, and one arriving late (older than the history it is judged against).
 *
 *   npx tsx bench/detector/rule-cost.ts [iterations]
 */
import { defaultRulesConfig } from '@backstop/contracts';
import { contextFor, payment } from '@backstop/detection/fixtures';
import { rules } from '@backstop/detection';

const iterations = Number(process.argv[2] ?? 200_000);
const topup = (atSeconds: number, account: string) => payment(atSeconds, { kind: 'topup', sku: 'mobile-topup-50', category: 'phone-credit', recipientAccount: account });
const history = Array.from({ length: 50 }, (_, i) => topup(i * 60, i % 5 === 0 ? '6217001234' : `62170${10_000 + i}`));
const cases = {
  'known account': contextFor(topup(3_600, '6217001234'), history),
  'new, one edit off': contextFor(topup(3_600, '6217001235'), history),
  'late, one edit off': contextFor(topup(600, '6217001235'), history),
};

console.log(`µs per payment, ${iterations} iterations each, history of ${history.length}`);
console.log(`${'rule'.padEnd(22)}${Object.keys(cases).map((name) => name.padStart(20)).join('')}`);
for (const rule of rules) {
  const settings = defaultRulesConfig[rule.type];
  const cells = Object.values(cases).map((context) => {
    for (let i = 0; i < iterations / 10; i += 1) rule.evaluate(context, settings);
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) rule.evaluate(context, settings);
    return (Number(process.hrtime.bigint() - started) / iterations / 1_000).toFixed(2).padStart(20);
  });
  console.log(`${rule.type.padEnd(22)}${cells.join('')}`);
}
