/**
 * Every Redis key the detector uses. A payer's keys share the hash tag `{tenant:payer}`, so
 * the per-event script touches one slot and runs unchanged on Redis Cluster.
 */
export function payerKeys(prefix: string, tenantId: string, payerId: string) {
  const tag = `${prefix}:det:{${tenantId}:${payerId}}`;
  return {
    seen: `${tag}:seen`,
    seenAt: `${tag}:seen-at`,
    payments: `${tag}:payments`,
    order: (orderId: string) => `${tag}:order:${orderId}`,
  };
}
