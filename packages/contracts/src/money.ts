import { z } from 'zod';
import { CURRENCIES_WITHOUT_MINOR_UNITS, iso4217MinorUnits } from '@backstop/messages';

/** An ISO 4217 code amounts can be sent in: one with minor units (the table is `@backstop/messages`', which formats them). */
export function isKnownCurrency(code: string): boolean {
  return iso4217MinorUnits(code) !== undefined;
}

export const CurrencyCode = z
  .string()
  // The first broken rule is the one reported: "cny" is told to use capitals, not also that it is unknown.
  .regex(/^[A-Z]{3}$/, { message: 'an ISO 4217 code in capitals, such as CNY', abort: true })
  .check((context) => {
    if (isKnownCurrency(context.value)) return;
    const message = CURRENCIES_WITHOUT_MINOR_UNITS.has(context.value)
      ? 'an ISO 4217 code without minor units (a metal, fund or unit of account): amounts cannot be counted in it'
      : 'not an ISO 4217 currency';
    context.issues.push({ code: 'custom', message, input: context.value });
  });
export type CurrencyCode = z.infer<typeof CurrencyCode>;

/** Money is an integer count of the currency's minor units (fen for CNY); z.int() keeps it within 2^53. */
export const MinorUnits = z.int().nonnegative();
export type MinorUnits = z.infer<typeof MinorUnits>;

/** A payment's or refund's amount: at least one minor unit. */
export const PositiveMinorUnits = z.int().min(1, 'must be greater than zero');

// Money for people (the currency's exponent, the reader's locale) is `@backstop/messages`.
