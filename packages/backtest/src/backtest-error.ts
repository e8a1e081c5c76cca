/**
 * Why a backtest cannot run or cannot finish: bad input (times, tenant, documents), or a
 * period the events topic no longer holds whole. The message is for the person who asked.
 */
export class BacktestError extends Error {
  constructor(
    readonly code: 'invalid-period' | 'unknown-tenant' | 'invalid-rules' | 'invalid-policy' | 'period-not-retained' | 'cancelled',
    message: string,
  ) {
    super(message);
    this.name = 'BacktestError';
  }
}
