/** The report's Markdown pieces, shared by every section. */

/** `value` as a whole percentage of `baseline`, or n/a without a baseline. */
export const ratio = (value: number, baseline: number) => (baseline > 0 ? `${((100 * value) / baseline).toFixed(0)} %` : 'n/a');

/** A Markdown table; an undefined cell shows as a dash. */
export const table = (head: string[], rows: (string | number | undefined)[][]) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map((c) => c ?? '–').join(' | ')} |`)].join('\n');
