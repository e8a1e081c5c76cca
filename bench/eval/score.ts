import type { Flag, FlagType, Severity } from '@backstop/contracts';
import type { Cohort, HardNegative, LabelledEvent } from '@backstop/testkit';

export interface RuleScore {
  rule: FlagType | 'overall';
  labelled: number;
  flagged: number;
  truePositives: number;
  precision: number;
  recall: number;
}

export interface Report {
  rules: RuleScore[];
  /** Precision of each rule's flags at each severity. */
  bySeverity: { rule: FlagType; severity: Severity; flagged: number; precision: number }[];
  /**
   * product.misselected within each cohort of payers (the long-standing plants and the widened
   * ones): its flags on the cohort's payments against the cohort's labels, overall and at
   * each severity.
   */
  cohorts: { cohort: Cohort; score: RuleScore; bySeverity: { severity: Severity; flagged: number; precision: number }[] }[];
  /** Flags raised on payments that were made to look like mistakes but are not. */
  hardNegatives: { kind: HardNegative; payments: number; flagged: number }[];
  latencyMs: { p50: number; p99: number; max: number; count: number };
  /** Every wrong flag and every missed label, for reading with --explain. */
  mistakes: string[];
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Compares the flags (deduplicated by flagId) with the labels, by (rule, flagged payment). */
export function score(traffic: readonly LabelledEvent[], flags: readonly Flag[], rules: readonly FlagType[]): Report {
  const unique = [...new Map(flags.map((flag) => [flag.flagId, flag])).values()];
  const key = (rule: string, paymentId: string) => `${rule}|${paymentId}`;
  const expected = new Set<string>();
  const negativeOf = new Map<string, HardNegative>();
  const cohortOf = new Map<string, Cohort>();
  for (const { event, expected: labels, hardNegative, cohort } of traffic) {
    if (event.type !== 'payment.succeeded') continue;
    for (const rule of labels) expected.add(key(rule, event.data.paymentId));
    if (hardNegative) negativeOf.set(event.data.paymentId, hardNegative);
    if (cohort) cohortOf.set(event.data.paymentId, cohort);
  }
  const predicted = new Set(unique.map((flag) => key(flag.type, flag.payment.paymentId)));

  const scoreOf = (rule: FlagType | 'overall'): RuleScore => {
    const mine = (k: string) => rule === 'overall' || k.startsWith(`${rule}|`);
    const labelled = [...expected].filter(mine);
    const flagged = [...predicted].filter(mine);
    const truePositives = flagged.filter((k) => expected.has(k)).length;
    return { rule, labelled: labelled.length, flagged: flagged.length, truePositives, precision: ratio(truePositives, flagged.length), recall: ratio(truePositives, labelled.length) };
  };

  const bySeverity: Report['bySeverity'] = [];
  for (const rule of rules) {
    for (const severity of ['high', 'medium', 'low'] as const) {
      const mine = unique.filter((flag) => flag.type === rule && flag.severity === severity);
      if (mine.length === 0) continue;
      const right = mine.filter((flag) => expected.has(key(flag.type, flag.payment.paymentId))).length;
      bySeverity.push({ rule, severity, flagged: mine.length, precision: ratio(right, mine.length) });
    }
  }

  const cohortScore = (cohort: Cohort): Report['cohorts'][number] => {
    const rule: FlagType = 'product.misselected';
    const inCohort = (k: string) => k.startsWith(`${rule}|`) && cohortOf.get(k.slice(rule.length + 1)) === cohort;
    const labelled = [...expected].filter(inCohort);
    const flags = unique.filter((flag) => flag.type === rule && cohortOf.get(flag.payment.paymentId) === cohort);
    const right = (list: readonly Flag[]) => list.filter((flag) => expected.has(key(rule, flag.payment.paymentId))).length;
    const truePositives = right(flags);
    const severities = (['high', 'medium', 'low'] as const).map((severity) => {
      const mine = flags.filter((flag) => flag.severity === severity);
      return { severity, flagged: mine.length, precision: ratio(right(mine), mine.length) };
    });
    return {
      cohort,
      score: { rule, labelled: labelled.length, flagged: flags.length, truePositives, precision: ratio(truePositives, flags.length), recall: ratio(truePositives, labelled.length) },
      bySeverity: severities.filter((s) => s.flagged > 0),
    };
  };
  const cohorts = [...new Set(cohortOf.values())].sort().map(cohortScore);

  const negatives = new Map<HardNegative, { payments: Set<string>; flagged: Set<string> }>();
  for (const [paymentId, kind] of negativeOf) {
    const entry = negatives.get(kind) ?? { payments: new Set(), flagged: new Set() };
    entry.payments.add(paymentId);
    negatives.set(kind, entry);
  }
  for (const flag of unique) {
    const kind = negativeOf.get(flag.payment.paymentId);
    if (kind && !expected.has(key(flag.type, flag.payment.paymentId))) negatives.get(kind)!.flagged.add(flag.payment.paymentId);
  }

  const mistakes: string[] = [];
  for (const flag of unique) {
    if (!expected.has(key(flag.type, flag.payment.paymentId))) {
      mistakes.push(`false positive ${flag.type} ${flag.severity} on ${flag.payment.paymentId} (${negativeOf.get(flag.payment.paymentId) ?? 'legitimate'}): ${flag.evidence.informationFlow.summary}`);
    }
  }
  for (const missed of [...expected].filter((k) => !predicted.has(k))) {
    const [rule, paymentId] = missed.split('|');
    const event = traffic.find((e) => e.event.type === 'payment.succeeded' && e.event.data.paymentId === paymentId)!.event;
    const others = unique.filter((flag) => flag.payment.paymentId === paymentId).map((flag) => flag.type);
    mistakes.push(`missed ${rule} on ${paymentId} ${JSON.stringify(event.data)} at ${event.occurredAt}${others.length > 0 ? `; flagged instead as ${others.join(', ')}` : ''}`);
  }

  const latencies = unique.map((flag) => Date.parse(flag.flaggedAt) - Date.parse(flag.receivedAt)).sort((a, b) => a - b);
  return {
    rules: [...rules.map(scoreOf), scoreOf('overall')],
    bySeverity,
    cohorts,
    hardNegatives: [...negatives].map(([kind, { payments, flagged }]) => ({ kind, payments: payments.size, flagged: flagged.size })).sort((a, b) => a.kind.localeCompare(b.kind)),
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN, count: latencies.length },
    mistakes,
  };
}

const pct = (value: number) => `${(value * 100).toFixed(2)} %`;

export function printReport(report: Report, write: (line: string) => void = console.log): void {
  write('rule                    labelled  flagged  true+  precision   recall');
  for (const r of report.rules) {
    write(`${r.rule.padEnd(22)}  ${String(r.labelled).padStart(8)}  ${String(r.flagged).padStart(7)}  ${String(r.truePositives).padStart(5)}  ${pct(r.precision).padStart(9)}  ${pct(r.recall).padStart(8)}`);
  }
  write('');
  write('precision by severity');
  for (const s of report.bySeverity) write(`  ${s.rule.padEnd(22)} ${s.severity.padEnd(6)} ${String(s.flagged).padStart(5)} flags  ${pct(s.precision)}`);
  write('');
  write('product.misselected by cohort   labelled  flagged  true+  precision   recall   by severity (flags, precision)');
  for (const { cohort, score: r, bySeverity } of report.cohorts) {
    const severities = bySeverity.map((s) => `${s.severity} ${s.flagged} ${pct(s.precision)}`).join(', ');
    write(`  ${cohort.padEnd(28)} ${String(r.labelled).padStart(8)}  ${String(r.flagged).padStart(7)}  ${String(r.truePositives).padStart(5)}  ${pct(r.precision).padStart(9)}  ${pct(r.recall).padStart(8)}   ${severities}`);
  }
  write('');
  write('hard negatives (payments flagged wrongly / payments)');
  for (const n of report.hardNegatives) write(`  ${n.kind.padEnd(28)} ${n.flagged} / ${n.payments}`);
  write('');
  write(`detection latency (flaggedAt - receivedAt) over ${report.latencyMs.count} flags: p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms`);
}
