/** Median and median absolute deviation: statistics that a single wild value cannot drag. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function medianAbsoluteDeviation(values: readonly number[], centre = median(values)): number {
  return median(values.map((value) => Math.abs(value - centre)));
}

export interface LogSummary {
  /** How many values the summary rests on. */
  count: number;
  /** Median of ln(value). */
  logMedian: number;
  /** MAD of ln(value). */
  logMad: number;
}

/** Amounts are compared on a log scale: 30 → 300 is as far as 300 → 3000. */
export function summarizeLog(values: readonly number[]): LogSummary | undefined {
  const logs = values.filter((value) => value > 0).map(Math.log);
  if (logs.length === 0) return undefined;
  const logMedian = median(logs);
  return { count: logs.length, logMedian, logMad: medianAbsoluteDeviation(logs, logMedian) };
}

/**
 * Iglewicz–Hoaglin modified z-score on the log scale. `madFloor` keeps a payer who always
 * pays the same amount (MAD 0) from turning every small change into an outlier.
 */
export function robustZ(value: number, summary: LogSummary, madFloor: number): number {
  return (0.6745 * (Math.log(value) - summary.logMedian)) / Math.max(summary.logMad, madFloor);
}

/**
 * The power of ten that `ratio` is closest to, when it is within `tolerance` (in log10 units)
 * of one of `exponents`; undefined otherwise. 10.3 → 1, 0.098 → -1, 7 → undefined.
 */
export function powerOfTenOff(ratio: number, exponents: readonly number[], tolerance: number): number | undefined {
  if (!(ratio > 0)) return undefined;
  const exponent = Math.log10(ratio);
  const nearest = Math.round(exponent);
  if (nearest === 0 || !exponents.includes(nearest)) return undefined;
  return Math.abs(exponent - nearest) <= tolerance ? nearest : undefined;
}
