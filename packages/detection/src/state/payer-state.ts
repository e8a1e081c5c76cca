import type { PaymentSnapshot } from '@backstop/contracts';
import { SlotPipelines, type Redis } from '@backstop/redis';
import { msOf, rememberMs } from '../rules/payment-time';
import { fromCompact, toCompact } from './compact-payment';
import { payerKeys } from './keys';
import { observePaymentArgs, packLimits, type JudgedAhead } from './observe-args';
import { readPayerArgs } from './read-payer-args';
import { PayerCopy } from './payer-copy';
import type { PayerCopies } from './payer-copies';
import type { PayerSnapshot, RawSnapshot } from './payer-snapshot';
import type { SkuPriceBook } from './sku-prices';
import { versionAfterDelivery, versionAfterPayment } from './state-version';

/** Payments per pipeline when a batch's observations are split to overlap Redis and this process. */
const PIPELINE_EVENTS = 256;
/** Pipelines sent ahead of the one being read: enough to keep Redis busy, few enough to bound what a pass holds. */
const PIPELINES_IN_FLIGHT = 3;

/**
 * How long a call is retried when a Redis Cluster node's connection is lost under it, which
 * covers a failover (node timeout plus election). Every script here is idempotent per event.
 */
const FAILOVER_RETRY_MS = 30_000;

export interface StateLimits {
  /** Payments, recipients and categories older than the payer's newest by more than this are forgotten (ms). */
  historyHorizonMs: number;
  /** Most payments kept per payer and currency. */
  historyCap: number;
  /** Most recipient accounts and categories remembered per payer. */
  recipientCap: number;
  categoryCap: number;
  /** Most event ids remembered per payer, and for how long (ms of event time). */
  seenCap: number;
  seenHorizonMs: number;
  /** Most orders remembered per payer, and for how long (ms of event time), for duplicate.exact. */
  orderCap: number;
  orderHorizonMs: number;
  /** Idle payers' keys expire after this many seconds. */
  payerTtlSeconds: number;
}

function pairs(flat: (string | number)[]): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), Number(flat[i + 1]));
  return map;
}

const byTime = (a: PaymentSnapshot, b: PaymentSnapshot) => msOf(a) - msOf(b);

/** The parsed view of a snapshot the script wrote. */
function viewOf(raw: RawSnapshot, payerId: string): PayerSnapshot {
  const payments = new Array<PaymentSnapshot>(raw.payments.length);
  const firstInCategory = new Set<string>();
  for (let i = 0; i < raw.payments.length; i += 1) {
    const compact = raw.payments[i]!;
    const payment = fromCompact(compact, payerId);
    if (raw.ms) rememberMs(payment, raw.ms[i]!);
    if (compact.nc === 1) firstInCategory.add(compact.p);
    payments[i] = payment;
  }
  return {
    newestMs: raw.newest,
    payments: raw.ms ? payments : payments.sort(byTime),
    firstInCategory,
    order: raw.order.map((p) => fromCompact(p, payerId)).sort(byTime),
    recipients: pairs(raw.recipients),
    categories: pairs(raw.categories),
    deliveries: pairs(raw.deliveries),
    sku: raw.context?.sku,
  };
}

/**
 * Reads a snapshot the script wrote: the detector's own data, typed, not validated again. The
 * payments come oldest first, as the sorted set holds them, with their times as numbers.
 */
export function parseSnapshot(json: string, payerId: string): PayerSnapshot {
  return viewOf(JSON.parse(json) as RawSnapshot, payerId);
}

export interface ObserveRequest {
  tenantId: string;
  payment: PaymentSnapshot;
}

/** An `order.delivered` event, as it enters its payer's state. */
export interface DeliveryRequest {
  tenantId: string;
  payerId: string;
  orderId: string;
  /** The delivery's occurredAt, ms since the epoch. */
  deliveredMs: number;
}

export type Observation<Stored> =
  | { kind: 'fresh'; snapshot: PayerSnapshot }
  | { kind: 'redelivered-before-flags'; snapshot: PayerSnapshot }
  | { kind: 'redelivered'; stored: Stored }
  /** Recorded with the flags its caller judged from the plan's snapshot: the copy was current. */
  | { kind: 'judged-ahead' };

const copyKey = (tenantId: string, payerId: string) => `${tenantId}\u0000${payerId}`;

/**
 * What a store could judge of a batch before anything went to Redis: the payments whose payer
 * it holds a current copy of, each handed to the caller's judge with the state before it as
 * the plan was made. The caller hands back each one's flags (`judged`); `observe` then records
 * those payments with their flags in one call each, and reads the state back only for the
 * rest, or where a copy proves out of date.
 */
export class JudgementPlan {
  /** The version and order length each copy stood for, per payment judged from one. */
  readonly ahead: (Omit<JudgedAhead, 'flags'> | undefined)[];
  /** The version each delivery's payer's copy stood for. */
  readonly deliveryVersions: (string | undefined)[];
  /** Every payer whose copy this plan advanced, by copy key, and when each copy was read from Redis. */
  readonly copies = new Map<string, PayerCopy>();
  readonly readMs = new Map<string, number>();
  private readonly flags = new Map<number, string>();

  constructor(payments: number, deliveries: number) {
    this.ahead = new Array(payments);
    this.deliveryVersions = new Array(deliveries);
  }

  /** What judging payment `index` from its copy produced: its flags, as the json stored with it. */
  judged(index: number, flags: string): void {
    this.flags.set(index, flags);
  }

  judgedAhead(index: number): JudgedAhead | undefined {
    const ahead = this.ahead[index];
    if (!ahead) return undefined;
    const flags = this.flags.get(index);
    if (flags === undefined) throw new Error(`payment ${index} was planned from a copy but never judged`);
    return { ...ahead, flags };
  }
}

/** The last thing a batch did to a payer: its planned copy is exact, a copy was kept from a read, or its state is unknown. */
type Settled = { kind: 'current' } | { kind: 'read' } | { kind: 'unknown' };

/**
 * The detector's view of Redis: one script call per payment, all of a batch's calls and its
 * sku price updates sent as one pipeline (one round trip per batch, plus one when the sku
 * cache needs refreshing).
 */
export class PayerStateStore<Stored> {
  roundTrips = 0;
  commandsSent = 0;
  private readonly packedLimits: string;

  /**
   * Payments judged from a copy and recorded with their flags; payments whose state was read
   * back; and of those, the ones judged from a copy that proved out of date.
   */
  judgedAhead = 0;
  readBack = 0;
  outOfDate = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: StateLimits,
    private readonly skuPrices: SkuPriceBook,
    private readonly decodeStored: (json: string) => Stored,
    private readonly copies?: PayerCopies,
  ) {
    this.packedLimits = packLimits(limits);
  }

  /** Forgets the copies a plan advanced that will never be observed (the batch failed before). */
  abandon(plan: JudgementPlan): void {
    for (const key of plan.copies.keys()) this.copies?.drop(key);
  }

  /** This store's copy of a payer's state, if it holds one. */
  copyOf(tenantId: string, payerId: string): PayerCopy | undefined {
    return this.copies?.peek(copyKey(tenantId, payerId));
  }

  /**
   * Judges what this store can before anything is sent: each payment whose payer it holds a
   * copy of (one it recorded every write of) goes to `judge` with the state before it, as soon
   * as that state is known, so a batch never holds all its payers' histories at once. Advances
   * each copy by the batch's deliveries and payments as it goes, as `observe` will record them;
   * `observe` keeps the copies that proved current.
   */
  async plan(
    requests: readonly ObserveRequest[],
    deliveries: readonly DeliveryRequest[],
    judge: (before: PayerSnapshot, index: number) => void,
  ): Promise<JudgementPlan> {
    await this.skuPrices.refresh(requests);
    const plan = new JudgementPlan(requests.length, deliveries.length);
    if (!this.copies?.enabled) return plan;
    await this.readCopies(requests, plan);
    deliveries.forEach(({ tenantId, payerId, orderId, deliveredMs }, index) => {
      const key = copyKey(tenantId, payerId);
      const copy = this.planCopy(plan, key);
      if (!copy) return;
      plan.deliveryVersions[index] = copy.version;
      copy.applyDelivery(orderId, deliveredMs, this.limits);
      copy.version = versionAfterDelivery(copy.version, orderId, deliveredMs);
    });
    // A payer whose payment in another currency must be read from Redis is read for the rest of
    // the batch: what the script returns for that payment is not known until it answers.
    const read = new Set<string>();
    try {
      requests.forEach(({ tenantId, payment }, index) => {
        const key = copyKey(tenantId, payment.payerId);
        if (read.has(key)) return;
        const copy = this.planCopy(plan, key);
        if (!copy || copy.currency !== payment.currency) {
          read.add(key);
          plan.copies.delete(key);
          this.copies!.drop(key);
          return;
        }
        judge(copy.before(payment, this.skuPrices.summaryFor(tenantId, payment)), index);
        const compact = toCompact(payment);
        plan.ahead[index] = { version: copy.version, ...copy.expectation(payment.orderId), compact };
        copy.applyPayment(payment, this.limits, compact);
        copy.version = versionAfterPayment(copy.version, payment.eventId);
      });
    } catch (error) {
      this.abandon(plan);
      throw error;
    }
    return plan;
  }

  /** The payer's copy as the plan has advanced it, or as this store holds it (then taken into the plan). */
  private planCopy(plan: JudgementPlan, key: string): PayerCopy | undefined {
    const planned = plan.copies.get(key);
    if (planned) return planned;
    const readMs = this.copies!.readAt(key);
    const copy = this.copies!.take(key);
    if (copy) {
      plan.copies.set(key, copy);
      plan.readMs.set(key, readMs!);
    }
    return copy;
  }

  /**
   * Reads, in one round trip, the state of every payer this store holds no copy of that pays
   * more than once in the batch (in the currency of its first payment in it), so each of those
   * payments is judged from a copy too: a payer paying many times in one fetch is read once,
   * not with every payment. A payer paying once gains nothing from it, and is read with its
   * payment. Written by someone else before the batch is recorded, a copy read here is found
   * out of date like any other.
   */
  private async readCopies(requests: readonly ObserveRequest[], plan: JudgementPlan): Promise<void> {
    const first = new Map<string, ObserveRequest>();
    const unread = new Map<string, ObserveRequest>();
    for (const request of requests) {
      const key = copyKey(request.tenantId, request.payment.payerId);
      const earlier = first.get(key);
      if (earlier === undefined) {
        first.set(key, request);
        continue;
      }
      if (unread.has(key) || plan.copies.has(key)) continue;
      const copy = this.planCopy(plan, key);
      if (!copy || copy.currency !== earlier.payment.currency) unread.set(key, earlier);
    }
    if (unread.size === 0) return;
    const pipeline = new SlotPipelines(this.redis);
    for (const { tenantId, payment } of unread.values()) {
      const args = readPayerArgs(this.prefix, tenantId, payment);
      pipeline.add(args[0], (p) => p.readPayer(...args));
    }
    this.roundTrips += pipeline.roundTrips;
    this.commandsSent += pipeline.length;
    const results = await pipeline.exec({ retryOnConnectionLoss: FAILOVER_RETRY_MS });
    [...unread].forEach(([key, { payment }], position) => {
      const [error, value] = results[position]!;
      if (error) throw error;
      const raw = JSON.parse(value as string) as RawSnapshot;
      // State an older writer left carries no version: it is judged as Redis returns it.
      if (typeof raw.version !== 'string') return;
      const copy = PayerCopy.of(raw, viewOf(raw, payment.payerId), payment.currency, payment.orderId, payment.payerId);
      if (!copy) return;
      copy.version = raw.version;
      plan.copies.set(key, copy);
      plan.readMs.set(key, Date.now());
    });
  }

  /**
   * Records the payments and deliveries and returns each payment's state before it. A batch's
   * deliveries go first: the rules compare a delivery's event time with the payments', so
   * which of them arrived first within a batch does not matter.
   *
   * `use` turns each observation into what the caller keeps, as soon as its pipeline answered
   * and in request order: a fetch of thousands of events then never holds thousands of parsed
   * snapshots (each a payer's history) at once, only what the caller kept of them.
   */
  async observe(requests: ObserveRequest[], deliveries?: readonly DeliveryRequest[]): Promise<Observation<Stored>[]>;
  async observe<Kept>(
    requests: ObserveRequest[],
    deliveries: readonly DeliveryRequest[],
    use: (observation: Observation<Stored>, index: number) => Kept,
    plan?: JudgementPlan,
  ): Promise<Kept[]>;
  async observe<Kept>(
    requests: ObserveRequest[],
    deliveries: readonly DeliveryRequest[] = [],
    use: (observation: Observation<Stored>, index: number) => Kept = (observation) => observation as Kept,
    plan?: JudgementPlan,
  ): Promise<Kept[]> {
    if (requests.length === 0 && deliveries.length === 0) return [];
    if (!plan) await this.skuPrices.refresh(requests);
    const nowMs = Date.now();
    const settled = new Map<string, Settled>();
    // A few pipelines are in flight at once, so Redis runs the scripts of one while this
    // process encodes the next and reads the replies of the one before; the next is sent as
    // one is read, so a fetch of thousands of events never has all their commands and replies
    // alive together. They share the connection, so Redis runs them in the order sent. The
    // deliveries go first.
    const chunks: { from: number; to: number; deliveries: number }[] = [];
    for (let from = 0; from < Math.max(requests.length, 1); from += PIPELINE_EVENTS) {
      chunks.push({ from, to: Math.min(requests.length, from + PIPELINE_EVENTS), deliveries: from === 0 ? deliveries.length : 0 });
    }
    const send = ({ from, to, deliveries: delivered }: (typeof chunks)[number]) => {
      // One pipeline per Redis node (a payer's keys share a slot, so each command goes whole).
      const pipeline = new SlotPipelines(this.redis);
      deliveries.slice(0, delivered).forEach(({ tenantId, payerId, orderId, deliveredMs }, index) => {
        const keys = payerKeys(this.prefix, tenantId, payerId);
        const known = plan?.deliveryVersions[index];
        const version = known === undefined ? '' : `=${known}`;
        pipeline.add(keys.seen, (p) => p.observeDelivery(keys.seen, keys.deliveries, orderId, deliveredMs, this.limits.orderHorizonMs, this.limits.orderCap, this.limits.payerTtlSeconds, version));
      });
      for (let index = from; index < to; index += 1) {
        const { tenantId, payment } = requests[index]!;
        const sku = this.skuPrices.summaryFor(tenantId, payment);
        const args = observePaymentArgs(this.prefix, tenantId, payment, msOf(payment), sku, nowMs, this.packedLimits, plan?.judgedAhead(index));
        pipeline.add(args[0], (p) => p.observePayment(...args));
      }
      this.skuPrices.queueUpdates(pipeline, requests.slice(from, to));
      this.roundTrips += pipeline.roundTrips;
      this.commandsSent += pipeline.length;
      const replies = pipeline.exec({ retryOnConnectionLoss: FAILOVER_RETRY_MS });
      // Heard at once, so a pipeline that fails while an earlier one is read never rejects unheard.
      replies.catch(() => undefined);
      return replies;
    };
    const inFlight = chunks.slice(0, PIPELINES_IN_FLIGHT).map(send);
    const kept: Kept[] = new Array(requests.length);
    let completed = false;
    try {
      for (const [n, { from, to, deliveries: delivered }] of chunks.entries()) {
        const results = await inFlight[n]!;
        const ahead = n + PIPELINES_IN_FLIGHT;
        if (ahead < chunks.length) inFlight[ahead] = send(chunks[ahead]!);
        for (let i = 0; i < delivered; i += 1) {
          const [error, value] = results[i]!;
          if (error) throw error;
          const { tenantId, payerId } = deliveries[i]!;
          const current = plan?.deliveryVersions[i] !== undefined && (value as [number, number])[1] === 1;
          settled.set(copyKey(tenantId, payerId), current ? { kind: 'current' } : { kind: 'unknown' });
        }
        for (let index = from; index < to; index += 1) {
          const [error, value] = results[delivered + index - from]!;
          if (error) throw error;
          const reply = value as [0, string, string] | [1, string] | [2];
          const { tenantId, payment } = requests[index]!;
          const key = copyKey(tenantId, payment.payerId);
          let observation: Observation<Stored>;
          if (reply[0] === 2) {
            this.judgedAhead += 1;
            observation = { kind: 'judged-ahead' };
            settled.set(key, { kind: 'current' });
          } else if (reply[0] === 0) {
            this.readBack += 1;
            if (plan?.ahead[index]) this.outOfDate += 1;
            const raw = JSON.parse(reply[1]) as RawSnapshot;
            const snapshot = viewOf(raw, payment.payerId);
            observation = { kind: 'fresh', snapshot };
            // Kept at once, not at the end of the batch: the copies' bound, not the batch's
            // size, is what they may hold. Its payment was recorded, so it stays true even if
            // the batch fails after.
            const copy = plan && this.copies?.enabled ? this.copyAfter(raw, snapshot, payment, reply[2]) : undefined;
            if (copy) this.copies!.put(key, copy);
            else this.copies?.drop(key);
            settled.set(key, { kind: 'read' });
          } else {
            const body = reply[1];
            observation = body.startsWith('S:')
              ? { kind: 'redelivered-before-flags', snapshot: parseSnapshot(body.slice(2), payment.payerId) }
              : { kind: 'redelivered', stored: this.decodeStored(body.slice(2)) };
            settled.set(key, { kind: 'unknown' });
          }
          kept[index] = use(observation, index);
        }
      }
      completed = true;
    } finally {
      // Nothing is left running behind a failure: what was sent is waited for, the rest never goes.
      await Promise.allSettled(inFlight);
      this.settleCopies(plan, completed ? settled : undefined);
    }
    return kept;
  }

  /** The copy of the payer's state after `payment`, from the snapshot read before it. */
  private copyAfter(raw: RawSnapshot, snapshot: PayerSnapshot, payment: PaymentSnapshot, version: string): PayerCopy | undefined {
    const copy = PayerCopy.of(raw, snapshot, payment.currency, payment.orderId, payment.payerId);
    if (!copy) return undefined;
    copy.applyPayment(payment, this.limits);
    copy.version = version;
    return copy;
  }

  /**
   * Keeps the copies a batch proved current, replaces those it read afresh, and forgets every
   * other it touched. A batch that failed (`settled` undefined) forgets every copy it advanced.
   */
  private settleCopies(plan: JudgementPlan | undefined, settled: ReadonlyMap<string, Settled> | undefined): void {
    if (!this.copies?.enabled) return;
    if (!settled) {
      // Copies kept from reads stay: their payments were recorded.
      for (const key of plan?.copies.keys() ?? []) this.copies.drop(key);
      return;
    }
    for (const [key, outcome] of settled) {
      const planned = plan?.copies.get(key);
      if (outcome.kind === 'current' && planned) this.copies.put(key, planned, plan!.readMs.get(key));
      else if (outcome.kind !== 'read') this.copies.drop(key);
    }
  }

  /** Remembers what each event produced, replacing its snapshot. */
  async record(entries: { tenantId: string; payment: PaymentSnapshot; stored: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = new SlotPipelines(this.redis);
    for (const { tenantId, payment, stored } of entries) {
      const keys = payerKeys(this.prefix, tenantId, payment.payerId);
      pipeline.add(keys.seen, (p) => p.recordFlags(keys.seen, keys.seenAt, payment.eventId, stored));
    }
    this.roundTrips += pipeline.roundTrips;
    this.commandsSent += entries.length;
    const results = await pipeline.exec({ retryOnConnectionLoss: FAILOVER_RETRY_MS });
    for (const [error] of results) if (error) throw error;
  }
}
