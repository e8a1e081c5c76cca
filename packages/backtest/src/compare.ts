import { FlagType } from '@backstop/contracts';
import type { ProductionDecision, ProductionFlag } from './production';
import type { Comparison, DecisionAction, DecisionChange, FlagExample, MoneyDiff, Precision, RuleDiff } from './report';
import type { ShadowDecision } from './shadow-refunds';

/** Examples per rule and per kind of change: enough to look at, few enough to read. */
const EXAMPLES = 5;

const byTimeThenId = (a: FlagExample, b: FlagExample) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.flagId < b.flagId ? -1 : a.flagId > b.flagId ? 1 : 0);
const example = ({ flagId, paymentId, payerId, severity, amount, currency, receivedAt }: ProductionFlag): FlagExample => ({ flagId, paymentId, payerId, severity, amount, currency, receivedAt });

function precisionOf(flags: readonly ProductionFlag[], labels: ReadonlyMap<string, boolean>): Precision {
  let reviewed = 0;
  let confirmed = 0;
  for (const flag of flags) {
    const label = labels.get(flag.paymentId);
    if (label === undefined) continue;
    reviewed += 1;
    if (label) confirmed += 1;
  }
  return { reviewed, confirmed, precision: reviewed === 0 ? null : confirmed / reviewed };
}

/**
 * What the candidate configuration changes against production on the same events: flags are
 * matched by id (deterministic from rule, tenant and payments, so the same finding has the
 * same id on both sides), decisions by charge. Pure, and ordered throughout, so the same
 * inputs always give the same comparison.
 */
export function compareRuns(
  production: { flags: readonly ProductionFlag[]; decisions: ReadonlyMap<string, ProductionDecision> },
  candidate: { flags: readonly ProductionFlag[]; decisions: readonly ShadowDecision[] },
): Comparison {
  const productionIds = new Set(production.flags.map((flag) => flag.flagId));
  const candidateIds = new Set(candidate.flags.map((flag) => flag.flagId));
  const rules: RuleDiff[] = FlagType.options.map((rule) => {
    const before = production.flags.filter((flag) => flag.type === rule);
    const after = candidate.flags.filter((flag) => flag.type === rule);
    const added = after.filter((flag) => !productionIds.has(flag.flagId)).map(example).sort(byTimeThenId);
    const removed = before.filter((flag) => !candidateIds.has(flag.flagId)).map(example).sort(byTimeThenId);
    return {
      rule, production: before.length, candidate: after.length, added: added.length, removed: removed.length,
      addedExamples: added.slice(0, EXAMPLES), removedExamples: removed.slice(0, EXAMPLES),
    };
  });

  // A charge's last shadow decision stands: a real decision replaces a shadow one, as in production.
  const shadow = new Map(candidate.decisions.map((decision) => [decision.paymentId, decision]));
  const charges = [...new Set([...production.decisions.keys(), ...shadow.keys()])].sort();
  const changes = new Map<string, DecisionChange>();
  const money = new Map<string, MoneyDiff>();
  for (const paymentId of charges) {
    const before = production.decisions.get(paymentId);
    const after = shadow.get(paymentId);
    const from: DecisionAction = before?.action ?? 'none';
    const to: DecisionAction = after?.action ?? 'none';
    const fromAmount = before?.amount ?? 0;
    const toAmount = after?.amount ?? 0;
    const currency = (before ?? after)!.currency;
    if (from !== to || fromAmount !== toAmount) {
      const key = `${from}\u0000${to}`;
      const change = changes.get(key) ?? { from, to, charges: 0, examples: [] };
      change.charges += 1;
      if (change.examples.length < EXAMPLES) change.examples.push({ paymentId, fromAmount, toAmount, currency });
      changes.set(key, change);
    }
    const refundedBefore = from === 'auto_refund' ? fromAmount : 0;
    const refundedAfter = to === 'auto_refund' ? toAmount : 0;
    if (refundedBefore === 0 && refundedAfter === 0) continue;
    const diff = money.get(currency) ?? { currency, production: 0, candidate: 0, added: 0, removed: 0 };
    diff.production += refundedBefore;
    diff.candidate += refundedAfter;
    if (refundedAfter > refundedBefore) diff.added += refundedAfter - refundedBefore;
    else diff.removed += refundedBefore - refundedAfter;
    money.set(currency, diff);
  }

  const verdicts = [...production.decisions.values()].filter((decision) => decision.label !== null);
  const labels = new Map(verdicts.map((decision) => [decision.paymentId, decision.label === 'approved']));
  return {
    rules,
    decisions: {
      changed: [...changes.values()].reduce((sum, change) => sum + change.charges, 0),
      changes: [...changes.values()].sort((a, b) => b.charges - a.charges || `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`)),
    },
    autoRefunded: [...money.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    labels: {
      approved: verdicts.filter((v) => v.label === 'approved').length,
      rejected: verdicts.filter((v) => v.label === 'rejected').length,
      falsePositive: verdicts.filter((v) => v.label === 'false_positive').length,
    },
    precision: FlagType.options.map((rule) => ({
      rule,
      before: precisionOf(production.flags.filter((flag) => flag.type === rule), labels),
      after: precisionOf(candidate.flags.filter((flag) => flag.type === rule), labels),
    })),
  };
}
