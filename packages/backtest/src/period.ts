import { BacktestError } from './backtest-error';

const hourMs = 3_600_000;

/** What a backtest replays: events Backstop accepted in [from, to), after a warm-up before it. */
export interface Period {
  fromMs: number;
  toMs: number;
  /** Events accepted from here to `fromMs` only build the payers' state; their flags are not compared. */
  warmUpFromMs: number;
}

/** An instant written with its offset (2026-11-30T08:00:00Z, …+08:00): a bare local time is ambiguous. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseInstant(text: string | undefined, name: string): number {
  if (!text) throw new BacktestError('invalid-period', `--${name} is required: an ISO 8601 time with its offset, e.g. 2026-11-30T08:00:00Z`);
  const ms = Date.parse(text);
  // Date.parse rolls 2026-11-31 over into December; a day the month does not have is a typo.
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const realDay = new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
  if (!ISO_WITH_OFFSET.test(text) || Number.isNaN(ms) || !realDay) {
    throw new BacktestError('invalid-period', `--${name} "${text}" is not an ISO 8601 time with its offset, e.g. 2026-11-30T08:00:00Z`);
  }
  return ms;
}

/**
 * The period to replay. `nowMs` only bounds it: a period that has not ended yet would give
 * another report tomorrow, and the report must be the same for the same period.
 */
export function periodOf(fromMs: number, toMs: number, warmUpHours: number, nowMs: number): Period {
  if (!(fromMs < toMs)) throw new BacktestError('invalid-period', '--from must be earlier than --to');
  if (toMs > nowMs) throw new BacktestError('invalid-period', '--to is in the future: a backtest replays a period that has ended');
  if (!Number.isFinite(warmUpHours) || warmUpHours < 0) throw new BacktestError('invalid-period', '--warm-up-hours must be a number of hours, 0 or more');
  return { fromMs, toMs, warmUpFromMs: fromMs - warmUpHours * hourMs };
}
