import { defineRule, historyFor, msOf, thresholdsOf } from './rule';

/**
 * velocity.burst: more than N payments by one payer within S seconds of event time — a
 * stuck button or a retry storm. Flagged once per burst, on the payment that crosses N.
 */
export const velocityBurst = defineRule('velocity.burst', (context, settings) => {
  const { payment } = context;
  const currentMs = msOf(payment);
  const windowMs = settings.windowSeconds * 1000;
  const inWindow = historyFor(context).filter((p) => msOf(p) <= currentMs && currentMs - msOf(p) <= windowMs);
  const involved = [...inWindow, payment];
  if (involved.length !== settings.maxPayments + 1) return [];
  const spanMs = currentMs - msOf(involved[0]!);
  return [
    {
      type: 'velocity.burst',
      severity: 'medium',
      confidence: 0.8,
      flagged: payment,
      involved,
      informationFlow: {
        message: {
          key: 'velocity.burst',
          params: { payments: involved.length, spanSeconds: spanMs / 1000, maxPayments: settings.maxPayments, windowSeconds: settings.windowSeconds },
        },
        thresholds: thresholdsOf(settings),
        observed: { payments: involved.length, spanSeconds: spanMs / 1000, total: involved.reduce((sum, p) => sum + p.amount, 0) },
      },
    },
  ];
});
