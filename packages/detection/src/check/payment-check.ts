import type { CheckIntent, CheckReason, CheckVerdict } from '@backstop/contracts';
import { renderMessage } from '@backstop/messages';
import type { RulesConfigSource } from '../policy/tenant-rules';
import type { PayerStateReader } from '../state/payer-reader';
import { candidatePayment } from './candidate';
import type { ReasonFinding } from './check-reason';
import { judgeIntent } from './judge-intent';

export interface CheckOutcome {
  verdict: CheckVerdict;
  reasons: CheckReason[];
}

/**
 * Account numbers stay whole in the dialog: it is shown to the payer about to pay, about
 * accounts they typed or paid themselves, and telling 6217001234 from 6217001235 is the point.
 * The answer goes only to the platform that sent them; nothing here is logged.
 */
function rendered(reason: ReasonFinding): CheckReason {
  return {
    code: reason.code,
    evidence: reason.evidence,
    message: {
      en: renderMessage(reason.message, { lang: 'en', accounts: 'whole' }),
      zh: renderMessage(reason.message, { lang: 'zh', accounts: 'whole' }),
    },
  };
}

/**
 * A pre-payment check: reads the payer's state without changing it, and judges the payment
 * about to be made with the detector's rules and the tenant's settings for them.
 */
export class PaymentCheck {
  constructor(
    private readonly reader: PayerStateReader,
    private readonly rulesConfig: RulesConfigSource,
  ) {}

  async check(tenantId: string, intent: CheckIntent, nowMs = Date.now()): Promise<CheckOutcome> {
    const payment = candidatePayment(intent, nowMs);
    const [before, configs] = await Promise.all([this.reader.read(tenantId, payment), this.rulesConfig.forTenants([tenantId])]);
    const { verdict, reasons } = judgeIntent({ tenantId, payment, marks: [], before }, configs.get(tenantId)!);
    return { verdict, reasons: reasons.map(rendered) };
  }
}
