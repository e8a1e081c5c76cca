import { pipeline, Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify';

/**
 * Streams records as CSV: rows are produced, encoded and sent one by one, never all held.
 * A failure while reading (the database going away mid-export) destroys the response, so
 * the client sees a cut transfer rather than a file that looks complete.
 */
export function sendCsv<T extends Record<string, unknown>>(reply: FastifyReply, filename: string, columns: readonly (keyof T & string)[], records: AsyncIterable<T> | Iterable<T>) {
  // Order ids, merchants and channels are the platform's (and sometimes its users') text: a
  // cell starting with = + - @ (or their full-width forms) would run as a formula in a
  // spreadsheet, so it is quoted away. The byte-order mark is what makes Excel read the file
  // as UTF-8; without it, Excel on a Chinese Windows decodes it as GBK and every Chinese
  // name turns to mojibake.
  const options = { header: true, columns: [...columns], escape_formulas: true, bom: true };
  const csv = pipeline(Readable.from(records), stringify(options), (error) => {
    if (error) reply.log.error({ err: error, filename }, 'CSV export failed');
  });
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv);
}
