/**
 * Every Redis key the detector uses. A payer's keys share the hash tag `{tenant:payer}`, so
 * the per-event script touches one slot and runs unchanged on Redis Cluster. Statistics of a
 * sku across all payers live under their own tag.
 *
 * Payer ids and skus are the platform's own text and may hold `{` or `}`, which would move
 * where Redis Cluster's hash tag ends. They enter keys through `keyPart`, which percent-escapes
 * `%`, `{` and `}`: the escaped text holds no brace, so the tag is always exactly the braces
 * written here, and the escaping is injective, so two ids never share a key.
 */
export function keyPart(id: string): string {
  return id.replace(/[%{}]/g, (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * One payer's keys. A class rather than an object of closures: the detector makes one per
 * event, and methods on the prototype cost nothing to make.
 */
export class PayerKeys {
  readonly seen: string;
  readonly seenAt: string;
  readonly orders: string;
  readonly ordersAt: string;
  readonly recipients: string;
  readonly categories: string;
  readonly deliveries: string;

  constructor(private readonly tag: string) {
    this.seen = `${tag}:seen`;
    this.seenAt = `${tag}:seen-at`;
    this.orders = `${tag}:orders`;
    this.ordersAt = `${tag}:orders-at`;
    this.recipients = `${tag}:recipients`;
    this.categories = `${tag}:categories`;
    this.deliveries = `${tag}:deliveries`;
  }

  payments(currency: string): string {
    return `${this.tag}:payments:${currency}`;
  }

  /** A pre-payment check that asked this payer to confirm the payment of `intentId` (see WarningLog). */
  warning(intentId: string): string {
    return `${this.tag}:warned:${keyPart(intentId)}`;
  }
}

export function payerKeys(prefix: string, tenantId: string, payerId: string): PayerKeys {
  return new PayerKeys(`${prefix}:det:{${tenantId}:${keyPart(payerId)}}`);
}

export function skuPricesKey(prefix: string, tenantId: string, sku: string, currency: string): string {
  return `${prefix}:det:sku:{${tenantId}:${keyPart(sku)}}:${currency}`;
}

/** Whether the payers' state is complete or being rebuilt after Redis lost it (see StateSentinel). */
export function stateSentinelKey(prefix: string): string {
  return `${prefix}:det:state-sentinel`;
}

/** Held by the one instance that replays the events topic into a lost state (see RebuildLock). */
export function rebuildLockKey(prefix: string): string {
  return `${prefix}:det:state-rebuild-lock`;
}
