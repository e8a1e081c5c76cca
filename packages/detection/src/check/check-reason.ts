import type { CheckMessage, CheckReasonCode } from '@backstop/contracts';

/** A reason before its message is rendered: what the judging produces, pure data. */
export interface ReasonFinding {
  code: CheckReasonCode;
  evidence: Record<string, unknown>;
  message: CheckMessage;
}
