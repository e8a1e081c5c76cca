import type { PaymentSnapshot } from '@backstop/contracts';
import { msOf, rememberMs } from '../rules/payment-time';
import { asStored, fromCompact, toCompact } from './compact-payment';
import type { PayerSnapshot, RawSnapshot } from './payer-snapshot';
import { compareBytes, ScoredSet } from './scored-set';
import type { SkuSummary } from './sku-prices';

/** The limits observe-payment-8.lua and observe-delivery-2.lua apply, as a copy applies them too. */
export interface CopyLimits {
  historyHorizonMs: number;
  historyCap: number;
  recipientCap: number;
  categoryCap: number;
  orderCap: number;
  orderHorizonMs: number;
}

/** What a copy takes from the snapshot's own text, beside its parsed view: the members' marks and time scores. */
type SnapshotText = Pick<RawSnapshot, 'newest' | 'payments' | 'ms' | 'order'>;

/** See PayerCopy.expectation. */
export interface CopyExpectation {
  orderLength: number;
  /** Payments, recipients, categories, deliveries and the newest event time (ms), separated by spaces. */
  counts: string;
}

interface HeldPayment {
  payment: PaymentSnapshot;
  ms: number;
  firstInCategory: boolean;
}

interface HeldOrder {
  /** Bytes of the orders hash's value, the json array of the order's members in the order they came. */
  bytes: number;
  payments: PaymentSnapshot[];
  newestMs: number;
}

/**
 * The sorted set's member for a held payment: its compact json, with "nc":1 on a first
 * purchase in its category. Made again when needed rather than held: only payments tied on
 * time, or sharing an event id, need it, and a held string would double a copy's memory.
 */
export function memberOf(payment: PaymentSnapshot, firstInCategory: boolean, compact = toCompact(payment)): string {
  return firstInCategory ? `${compact.slice(0, -1)},"nc":1}` : compact;
}

const byTime = (a: PaymentSnapshot, b: PaymentSnapshot) => msOf(a) - msOf(b);

/**
 * The detector's own copy of one payer's state in one currency: what observe-payment-8.lua
 * would return as the snapshot before the payer's next payment, kept up to date by applying
 * each payment and delivery exactly as the scripts apply them in Redis.
 *
 * It holds the payer's payments in its currency, recipients, categories and deliveries in
 * full, as the snapshot it started from held them, but only the orders it has seen: an order
 * Redis holds and the copy does not is one the script tells apart by its length (see "Judged
 * ahead" in the script), so a copy never stands for more than it knows.
 */
export class PayerCopy {
  /** The version of the payer's state this copy stands for (see state-version.ts). */
  version = '';

  private constructor(
    readonly currency: string,
    private newestMs: number,
    private readonly payments: HeldPayment[],
    private readonly orders: Map<string, HeldOrder>,
    private readonly recipients: ScoredSet,
    private readonly categories: ScoredSet,
    private readonly deliveries: ScoredSet,
  ) {}

  /**
   * The copy of the state the script returned `text` of (parsed as `view`), before a payment
   * in `currency`. Undefined for a snapshot without its time scores (an older writer's).
   */
  static of(text: SnapshotText, view: PayerSnapshot, currency: string, orderId: string, payerId: string): PayerCopy | undefined {
    const ms = text.ms;
    if (!ms) return undefined;
    const payments = view.payments.map((payment, i): HeldPayment => ({ payment, ms: ms[i]!, firstInCategory: text.payments[i]!.nc === 1 }));
    const orders = new Map<string, HeldOrder>();
    if (text.order.length > 0) {
      const orderPayments = text.order.map((compact) => fromCompact(compact, payerId));
      orders.set(orderId, {
        bytes: Buffer.byteLength(`[${text.order.map((compact) => JSON.stringify(compact)).join(',')}]`),
        payments: orderPayments,
        newestMs: Math.max(...orderPayments.map(msOf)),
      });
    }
    return new PayerCopy(currency, text.newest, payments, orders, new ScoredSet(view.recipients), new ScoredSet(view.categories), new ScoredSet(view.deliveries));
  }

  /** Its weight in memory, in payments held: a copy's own maps and objects weigh about two more. */
  get weight(): number {
    let held = this.payments.length + 2;
    for (const order of this.orders.values()) held += order.payments.length;
    return held;
  }

  /** The snapshot observe-payment-8.lua would return before `payment`. */
  before(payment: PaymentSnapshot, sku: SkuSummary | undefined): PayerSnapshot {
    const firstInCategory = new Set<string>();
    for (const held of this.payments) if (held.firstInCategory) firstInCategory.add(held.payment.paymentId);
    return {
      newestMs: this.newestMs,
      payments: this.payments.map((held) => held.payment),
      firstInCategory,
      order: [...(this.orders.get(payment.orderId)?.payments ?? [])].sort(byTime),
      recipients: this.recipients.asMap(),
      categories: this.categories.asMap(),
      deliveries: this.deliveries.asMap(),
      sku,
    };
  }

  /**
   * What the script checks of Redis before trusting the copy, besides the version: the bytes
   * of the order's json (0 for an order the copy does not know), how many payments in the
   * currency, recipients, categories and deliveries it holds, and its newest event time.
   */
  expectation(orderId: string): CopyExpectation {
    const order = this.orders.get(orderId);
    return {
      orderLength: order ? order.bytes : 0,
      counts: `${this.payments.length} ${this.recipients.size} ${this.categories.size} ${this.deliveries.size} ${this.newestMs}`,
    };
  }

  /**
   * Records `payment` as observe-payment-8.lua records it; `compact` is its compact json, when
   * the caller made it already for the script's arguments.
   */
  applyPayment(payment: PaymentSnapshot, limits: CopyLimits, compact = toCompact(payment)): void {
    const ms = msOf(payment);
    const category = payment.kind === 'purchase' && payment.category !== undefined ? payment.category : '';
    const recipient = payment.recipientAccount ?? '';
    const firstInCategory = category !== '' && !this.categories.has(category);
    const member = memberOf(payment, firstInCategory, compact);
    // What a later snapshot reads back: the compact form, not the event's own object.
    const stored = asStored(payment);
    rememberMs(stored, ms);
    const latest = Math.max(this.newestMs, ms);
    const cutoff = latest - limits.historyHorizonMs;

    // The same member again (an event recorded anew after its id was forgotten) changes nothing.
    let again = false;
    for (let at = 0; at < this.payments.length && !again; at += 1) {
      again = this.payments[at]!.payment.eventId === payment.eventId && this.heldMember(at) === member;
    }
    if (!again) {
      let at = this.payments.length;
      while (at > 0 && (this.payments[at - 1]!.ms > ms || (this.payments[at - 1]!.ms === ms && compareBytes(this.heldMember(at - 1), member) > 0))) at -= 1;
      this.payments.splice(at, 0, { payment: stored, ms, firstInCategory });
    }
    let expired = 0;
    while (expired < this.payments.length && this.payments[expired]!.ms < cutoff) expired += 1;
    this.payments.splice(0, Math.max(expired, this.payments.length - limits.historyCap));

    const order = this.orders.get(payment.orderId);
    if (order) {
      order.bytes += 1 + Buffer.byteLength(member);
      order.payments.push(stored);
      order.newestMs = Math.max(order.newestMs, ms);
    } else {
      this.orders.set(payment.orderId, { bytes: 2 + Buffer.byteLength(member), payments: [stored], newestMs: ms });
    }
    this.forgetOrders(latest - limits.orderHorizonMs, limits.orderCap);

    if (recipient !== '') {
      this.recipients.addGreater(recipient, ms);
      this.recipients.removeBelow(cutoff);
      this.recipients.keepLast(limits.recipientCap);
    }
    if (category !== '') {
      this.categories.addGreater(category, ms);
      this.categories.removeBelow(cutoff);
      this.categories.keepLast(limits.categoryCap);
    }
    this.newestMs = latest;
  }

  private heldMember(at: number): string {
    const held = this.payments[at]!;
    return memberOf(held.payment, held.firstInCategory);
  }

  /** Records a delivery as observe-delivery-2.lua records it. */
  applyDelivery(orderId: string, deliveredMs: number, limits: CopyLimits): void {
    this.deliveries.addLess(orderId, deliveredMs);
    this.deliveries.removeBelow(Math.max(this.newestMs, deliveredMs) - limits.orderHorizonMs);
    this.deliveries.keepLast(limits.orderCap);
  }

  /**
   * The script forgets orders by their newest payment and the cap over all the orders Redis
   * holds; the copy knows only some of them, so it forgets by the same rules among those.
   * An order the copy kept and Redis forgot, or the reverse, differs in length: the script
   * then judges afresh.
   */
  private forgetOrders(cutoff: number, cap: number): void {
    // forEach, not for-of over entries: this runs with every payment, and entries would make a
    // pair per order held each time.
    this.orders.forEach((order, orderId) => {
      if (order.newestMs < cutoff) this.orders.delete(orderId);
    });
    if (this.orders.size <= cap) return;
    const oldestFirst = [...this.orders].sort(([a, x], [b, y]) => x.newestMs - y.newestMs || compareBytes(a, b));
    for (const [orderId] of oldestFirst.slice(0, this.orders.size - cap)) this.orders.delete(orderId);
  }
}
