/**
 * What is known about flagged charges besides the flags, keyed by "tenant\0payment" (or
 * order, or currency): the refund worker loads it from Postgres, a backtest keeps it in memory.
 */
export interface ChargeFacts {
  /** The decision each already-decided charge has. */
  decided: Map<string, { decisionId: string; status: string }>;
  delivered: Set<string>;
  refundedElsewhere: Map<string, number>;
  autoRefundedToday: Map<string, number>;
}

export const noFacts = (): ChargeFacts => ({ decided: new Map(), delivered: new Set(), refundedElsewhere: new Map(), autoRefundedToday: new Map() });
