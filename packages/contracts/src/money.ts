import { z } from 'zod';

/**
 * ISO 4217 codes and their minor-unit exponents come from the runtime's ICU data
 * (CLDR), which tracks the standard; a hand-kept table would drift.
 */
const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function isKnownCurrency(code: string): boolean {
  return knownCurrencies.has(code);
}

export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code in capitals, such as CNY')
  .refine(isKnownCurrency, 'not an ISO 4217 currency');
export type CurrencyCode = z.infer<typeof CurrencyCode>;

/** Money is an integer count of the currency's minor units (fen for CNY). */
export const MinorUnits = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export type MinorUnits = z.infer<typeof MinorUnits>;

// Money for people (the currency's exponent, the reader's locale) is `@backstop/messages`.
