import { z } from 'zod';
import { PlatformName } from './ids';
import { PaymentKind } from './payment-event';

/** Payers and merchants a rule must leave alone (a tester's account, a shop that sells in bulk). */
const Allowlist = z.strictObject({
  payers: z.array(PlatformName).default([]),
  merchants: z.array(PlatformName).default([]),
});

const common = {
  enabled: z.boolean().default(true),
  allowlist: Allowlist.prefault({}),
};

const seconds = z.number().positive().max(86_400);

/**
 * A tenant's detector settings. Every field has a default, so a tenant stores only what it
 * changes and `RulesConfig.parse({})` is the built-in policy.
 */
export const RulesConfig = z.strictObject({
  'duplicate.exact': z.strictObject({ ...common }).prefault({}),
  'duplicate.suspected': z
    .strictObject({
      ...common,
      /** Same payer, amount, sku and recipient within this many seconds of event time. */
      windowSeconds: seconds.default(120),
      /** A gap this short is a double click: high severity. */
      highWithinSeconds: seconds.default(10),
      mediumWithinSeconds: seconds.default(60),
    })
    .prefault({}),
  'amount.digit_slip': z
    .strictObject({
      ...common,
      /** How close to an exact power of ten the ratio must be, in log10 units (0.05 ≈ ±12 %). */
      toleranceLog10: z.number().positive().max(0.2).default(0.05),
      /** Powers of ten that count as a slip: 10×, 100×, 1000× and a tenth. */
      exponents: z.array(z.int().min(-3).max(4).refine((e) => e !== 0)).default([1, 2, 3, -1]),
      /** Earlier payments of the same sku (or category) before the payer has a "usual" price. */
      minPayerSamples: z.int().min(1).default(2),
      /** Payments of a sku across all payers before it has a usual price; fewer, and a top-up's first few amounts could pass for a fixed price. */
      minSkuSamples: z.int().min(1).default(30),
      /** A sku's price counts as fixed when the MAD of its log prices is at most this. */
      maxSkuLogMad: z.number().nonnegative().default(0.1),
    })
    .prefault({}),
  'amount.outlier': z
    .strictObject({
      ...common,
      /** The payer's last this-many payments in the currency form the baseline. */
      lookback: z.int().min(3).max(500).default(30),
      minHistory: z.int().min(3).default(6),
      /** Modified z-score (log scale) above which an amount is an outlier. */
      threshold: z.number().positive().default(3.5),
      /** Smallest MAD of log amounts used, so a payer who always pays alike is not flagged for small changes. */
      madFloor: z.number().positive().default(0.25),
      /**
       * The amount must also be this many times the largest payment in the baseline: a payer
       * who sometimes pays double is not startled by five times.
       */
      minTimesLargest: z.number().min(1).default(3),
      /** Sku-wide samples needed to judge a payer without history. */
      minSkuSamples: z.int().min(3).default(50),
    })
    .prefault({}),
  'recipient.near_miss': z
    .strictObject({
      ...common,
      /** A purchase that names an account (a game card delivered to a game account) is watched too. */
      kinds: z.array(PaymentKind).default(['purchase', 'topup', 'transfer']),
      /** Shorter accounts are too crowded: one edit lands on someone real too often. */
      minAccountLength: z.int().min(1).default(5),
    })
    .prefault({}),
  'product.misselected': z
    .strictObject({
      ...common,
      /** The corrected purchase follows the mistaken one within this many seconds. */
      windowSeconds: seconds.default(600),
      /** A correction this quick counts for a little more: the payer noticed at once. */
      quickCorrectionSeconds: seconds.default(300),
      /**
       * The largest amount ratio (larger / smaller) a correction may have: neighbouring shelves
       * rarely hold items of the same price. Beyond `closeAmountRatio` it counts for less.
       */
      similarAmountRatio: z.number().min(1).default(2),
      closeAmountRatio: z.number().min(1).default(1.25),
      /** Purchases of a category, before the mistaken one, that make it the payer's usual. */
      minUsualPurchases: z.int().min(1).default(1),
      /** From this many usual purchases the habit counts in full; fewer lower the confidence. */
      fullUsualPurchases: z.int().min(1).default(3),
    })
    .prefault({}),
  'velocity.burst': z
    .strictObject({
      ...common,
      /** More than this many payments... */
      maxPayments: z.int().min(1).default(5),
      /** ...within this many seconds of event time is a burst. */
      windowSeconds: seconds.default(60),
    })
    .prefault({}),
});
export type RulesConfig = z.infer<typeof RulesConfig>;

export const defaultRulesConfig: RulesConfig = RulesConfig.parse({});
