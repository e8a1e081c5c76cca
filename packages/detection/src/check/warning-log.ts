import type { CheckReasonCode, ConfirmedWarning, FlagType } from '@backstop/contracts';
import { checkReasonsOfFlag } from '@backstop/contracts';
import { SlotPipelines, type Redis } from '@backstop/redis';
import { payerKeys } from '../state/keys';

/** What a check that asked for confirmation leaves behind: when, and why. */
interface StoredWarning {
  at: string;
  reasons: CheckReasonCode[];
}

/**
 * Which payments a pre-payment check asked the user to confirm, so that a flag on the payment
 * made afterwards (its webhook carrying the same `intentId`) can say the user was warned and
 * paid anyway. One small key per warning under the payer's hash tag (the same Redis Cluster
 * slot as the payer's state), expiring after a while (ingest's INGEST_CHECK_WARNING_TTL_S): a confirmation comes within
 * minutes, and a warning is worth nothing once the payment it was about is long judged. It is
 * not part of any rule's window: what checks answer never depends on it.
 */
export class WarningLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async record(tenantId: string, payerId: string, intentId: string, reasons: readonly CheckReasonCode[], at: Date, ttlSeconds: number): Promise<void> {
    const stored: StoredWarning = { at: at.toISOString(), reasons: [...reasons] };
    await this.redis.set(payerKeys(this.prefix, tenantId, payerId).warning(intentId), JSON.stringify(stored), 'EX', ttlSeconds);
  }

  /** The warnings behind these payments, by position; undefined where none was given (or it expired). */
  async find(payments: readonly { tenantId: string; payerId: string; intentId: string }[]): Promise<(StoredWarning | undefined)[]> {
    if (payments.length === 0) return [];
    // One pipeline per node on a Redis Cluster: the payers' keys live in different slots.
    const pipeline = new SlotPipelines(this.redis);
    for (const { tenantId, payerId, intentId } of payments) {
      const key = payerKeys(this.prefix, tenantId, payerId).warning(intentId);
      pipeline.add(key, (p) => p.get(key));
    }
    // Only reads: safe to send again when a cluster node is lost under it.
    const results = await pipeline.exec({ retryOnConnectionLoss: 30_000 });
    return results.map(([error, value]) => {
      if (error) throw error;
      return typeof value === 'string' ? (JSON.parse(value) as StoredWarning) : undefined;
    });
  }
}

/** How a flag records the warning its payment was confirmed through. */
export function confirmedWarningOf(intentId: string, warning: StoredWarning, flagType: FlagType): ConfirmedWarning {
  const covering = checkReasonsOfFlag[flagType];
  return { intentId, checkedAt: warning.at, reasons: warning.reasons, coversFlag: warning.reasons.some((code) => covering.includes(code)) };
}
