import type { CheckAnswer, CheckIntent } from '@backstop/contracts';
import type { PaymentCheck } from '@backstop/detection';
import { withinDeadline } from './deadline';

export interface BoundedAnswer {
  answer: CheckAnswer;
  /** Why the answer is degraded, for the log; absent when it was computed. */
  degradedBecause?: string;
  /** Answered without asking at all: too many checks were still in flight. */
  shed: boolean;
}

/**
 * A pre-payment check that never holds up a payment: answered by its deadline, or `allow` +
 * `degraded` past it; and once `maxInFlight` checks are still being computed (answered or
 * not: a stalled Redis keeps them), answered `allow` + `degraded` at once without asking
 * Redis, so an overload or a stall sheds work instead of queueing it.
 */
export class BoundedCheck {
  private inFlight = 0;

  constructor(
    private readonly paymentCheck: PaymentCheck,
    private readonly deadlineMs: number,
    private readonly maxInFlight: number,
  ) {}

  async answer(tenantId: string, intent: CheckIntent, nowMs: number): Promise<BoundedAnswer> {
    const degraded = (degradedBecause: string, shed = false): BoundedAnswer => ({
      answer: { intentId: intent.intentId, verdict: 'allow', reasons: [], degraded: true }, degradedBecause, shed,
    });
    if (this.inFlight >= this.maxInFlight) return degraded(`${this.inFlight} checks already in flight`, true);
    this.inFlight += 1;
    const work = this.paymentCheck.check(tenantId, intent, nowMs);
    const settled = () => void (this.inFlight -= 1);
    work.then(settled, settled);
    const outcome = await withinDeadline(work, this.deadlineMs);
    if (outcome.kind === 'done') return { answer: { intentId: intent.intentId, ...outcome.value, degraded: false }, shed: false };
    return degraded(outcome.kind === 'late' ? `no answer within ${this.deadlineMs} ms` : String((outcome.error as Error)?.message ?? outcome.error));
  }
}
