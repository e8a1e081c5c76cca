import type { Flag, PolicyAction } from '@backstop/contracts';

export interface Decision {
  action: PolicyAction;
  amount: number;
  reason: string;
}

/**
 * The built-in policy. A duplicate charge of an order is refunded in full, automatically;
 * everything else waits for a reviewer until tenant policies say otherwise.
 */
export function decide(flag: Flag): Decision {
  switch (flag.type) {
    case 'duplicate.exact':
      return {
        action: 'auto_refund',
        amount: flag.payment.amount,
        reason: `Duplicate payment of order ${flag.payment.orderId}: refund the later charge in full.`,
      };
    case 'velocity.burst':
      return { action: 'notify', amount: flag.payment.amount, reason: 'Burst of payments: flagged for attention only.' };
    default:
      return { action: 'review', amount: flag.payment.amount, reason: `${flag.type}: a reviewer decides.` };
  }
}

export function initialStatus(action: PolicyAction): 'approved' | 'pending_review' | null {
  if (action === 'auto_refund') return 'approved';
  if (action === 'review') return 'pending_review';
  return null;
}
