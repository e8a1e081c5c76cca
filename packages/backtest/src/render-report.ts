import { flagTypeNames, formatMoney, formatNumber } from '@backstop/messages';
import type { BacktestReport, Precision } from './report';

const percent = ({ precision, confirmed, reviewed }: Precision) => (precision === null ? 'n/a (nothing reviewed)' : `${formatNumber(precision * 100, 'en', 1)} % (${confirmed} of ${reviewed})`);
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

/**
 * The report for a person, in English: what the candidate changes, rule by rule, decision by
 * decision and in money per currency (formatted by the currency's minor units), then
 * precision on reviewed flags. Account numbers never appear: examples name payments and payers.
 */
export function renderReport(report: BacktestReport): string {
  const lines: string[] = [];
  const add = (line = '') => lines.push(line);
  add(`Backtest of tenant ${report.tenantId}: ${report.period.from} to ${report.period.to}`);
  add(`Candidate: rules ${report.candidate.rulesFrom}, policy ${report.candidate.policyFrom} (digest ${report.candidate.digest})`);
  add(`Warm-up: ${report.warmUp.hours} h from ${report.warmUp.from}${report.warmUp.complete ? '' : ' — INCOMPLETE: retention already deleted part of it, so payers\' older history is missing'}`);
  add(`Events read: ${report.events.warmUp} in the warm-up, ${report.events.period} in the period`);
  add();
  add('Flags per rule (production → candidate)');
  for (const rule of report.rules) {
    if (rule.production === 0 && rule.candidate === 0) continue;
    const delta = rule.added === 0 && rule.removed === 0 ? 'unchanged' : `+${rule.added} added, -${rule.removed} removed`;
    add(`  ${rule.rule.padEnd(20)} ${String(rule.production).padStart(6)} → ${String(rule.candidate).padEnd(6)} ${delta}`);
    for (const [sign, examples] of [['+', rule.addedExamples], ['-', rule.removedExamples]] as const) {
      for (const e of examples) add(`      ${sign} ${e.paymentId} payer ${e.payerId} ${formatMoney(e.amount, e.currency)} ${e.severity} at ${e.receivedAt}`);
    }
  }
  if (report.rules.every((rule) => rule.added === 0 && rule.removed === 0)) add('  no flag added or removed');
  add();
  add(`Decisions that change: ${report.decisions.changed}`);
  for (const change of report.decisions.changes) {
    add(`  ${change.from} → ${change.to}: ${change.charges}`);
    for (const e of change.examples) add(`      ${e.paymentId} ${formatMoney(e.fromAmount, e.currency)} → ${formatMoney(e.toAmount, e.currency)}`);
  }
  add();
  add('Money auto-refunded (production → candidate)');
  if (report.autoRefunded.length === 0) add('  none on either side');
  for (const money of report.autoRefunded) {
    add(`  ${money.currency} ${formatMoney(money.production, money.currency)} → ${formatMoney(money.candidate, money.currency)}: +${formatMoney(money.added, money.currency)} added, -${formatMoney(money.removed, money.currency)} removed`);
  }
  add();
  const { approved, rejected, falsePositive } = report.labels;
  add(`Precision on reviewed flags (labels: ${approved} approved, ${rejected} rejected, ${falsePositive} false positive)`);
  for (const { rule, before, after } of report.precision) {
    if (before.reviewed === 0 && after.reviewed === 0) continue;
    const moved = before.precision !== null && after.precision !== null ? ` (${signed(Math.round((after.precision - before.precision) * 1000) / 10)} points)` : '';
    add(`  ${rule.padEnd(20)} ${flagTypeNames.en[rule]}: ${percent(before)} → ${percent(after)}${moved}`);
  }
  if (approved + rejected + falsePositive === 0) add('  no charge of the period was reviewed');
  return lines.join('\n');
}
