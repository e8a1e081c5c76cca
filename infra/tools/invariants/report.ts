import { z } from 'zod';
import { SentEvent, type InvariantReport } from './invariants';

/** Reads the sender's record: one SentEvent per line; a line that is not one is an error naming it. */
export function parseSentLog(text: string): SentEvent[] {
  return text
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, number }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new Error(`line ${number} of the sent log is not JSON`);
      }
      const parsed = SentEvent.safeParse(json);
      if (!parsed.success) throw new Error(`line ${number} of the sent log is not a sent event: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    });
}

/** The report as a person reads it; violations are listed, at most `limit` of them. */
export function formatReport(report: InvariantReport, lagByGroup: Record<string, number>, limit = 20): string {
  const lines = [
    `accepted events     ${report.accepted}`,
    `consumed            ${report.consumed}`,
    ...Object.entries(lagByGroup).map(([group, lag]) => `lag ${group}  ${lag}`),
    `planted mistakes    ${report.planted}`,
    `caught              ${report.caught}`,
    `distinct flags      ${report.distinctFlags}`,
    `decisions           ${report.decisions}`,
    ...Object.entries(report.refundedTotal).map(([tenant, total]) => `refunded (${tenant})  ${total}`),
    report.violations.length === 0 ? 'violations          0: every invariant holds' : `violations          ${report.violations.length}`,
    ...report.violations.slice(0, limit).map((violation) => `  ${violation.invariant}: ${violation.detail}`),
    ...(report.violations.length > limit ? [`  ... and ${report.violations.length - limit} more`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
