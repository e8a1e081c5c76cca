import { describe, expect, it } from 'vitest';
import { PaymentData } from '@backstop/contracts';
import { fieldErrors } from './field-errors';

const payment = { paymentId: 'pay_1', orderId: 'ord_1', payerId: 'u_1', merchantId: 'm_1', kind: 'purchase', amount: 3000, currency: 'CNY' };
const errorsOf = (data: Record<string, unknown>) => fieldErrors(PaymentData.safeParse({ ...payment, ...data }).error!);

describe('fieldErrors', () => {
  it.each([
    [{ amount: 2 ** 60 }, '$.amount', /safe|9007199254740991/],
    [{ amount: -5 }, '$.amount', /greater than zero/],
    [{ amount: 0 }, '$.amount', /greater than zero/],
    [{ currency: 'cny' }, '$.currency', /capitals/],
    [{ currency: 'XAU' }, '$.currency', /without minor units/],
    [{ unitPrice: 1e300 }, '$.unitPrice', /9007199254740991/],
  ])('reports %o once, in its most telling words', (data, path, message) => {
    const errors = errorsOf(data);
    expect(errors).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('still reports every field that is wrong, and every unknown one', () => {
    expect(errorsOf({ amount: -1, currency: 'cny', coupon: 'X', promo: 1 }).map((error) => error.path)).toEqual(['$.amount', '$.currency', '$.coupon', '$.promo']);
  });
});
