import { CheckIntent } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import { withoutNullOptionals } from '../webhook/null-as-absent';
import { fieldErrors } from '../webhook/field-errors';
import { maxMinorUnits } from '../webhook/validate';

/** The body of a check against the contract and the same amount bounds as a payment's; 422 with the offending fields otherwise. */
export function validateIntent(body: unknown): CheckIntent {
  const parsed = CheckIntent.safeParse(withoutNullOptionals(body, CheckIntent));
  if (!parsed.success) {
    throw new Problem(422, 'invalid-check', 'Check does not match the contract', 'Send the fields of payment.succeeded without paymentId, with an intentId.', {
      errors: fieldErrors(parsed.error),
    });
  }
  const intent = parsed.data;
  const limit = maxMinorUnits(intent.currency);
  for (const field of ['amount', 'unitPrice', 'orderAmount'] as const) {
    const value = intent[field];
    if (value !== undefined && value > limit) {
      throw new Problem(422, 'amount-out-of-range', 'Amount out of range', undefined, {
        errors: [{ path: `$.${field}`, message: `above ${limit} minor units of ${intent.currency}` }],
      });
    }
  }
  return intent;
}
