/** The report's Markdown pieces, shared by every section. */

/** `value` as a whole percentage of `baseline`, or n/a without a baseline. */
export const ratio = (value: number, baseline: number) => (baseline > 0 ? `${((100 * value) / baseline).toFixed(0)} %` : 'n/a');

/** A Markdown table; an undefined cell shows as a dash. */
export const table = (head: string[], rows: (string | number | undefined)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c ?? '–').join(' | ')} |`)].join('\n');

/** A latency's p50 and p99 in one cell, or a dash for a run that did not measure it. */
export const pair = (latency: { p50Ms: number; p99Ms: number } | undefined) => (latency ? `${latency.p50Ms} / ${latency.p99Ms}` : undefined);
