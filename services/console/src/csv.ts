import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { stringify } from 'csv-stringify';

/** Streams records as CSV: rows are produced, encoded and sent one by one, never all held. */
export function sendCsv<T extends Record<string, unknown>>(reply: FastifyReply, filename: string, columns: readonly (keyof T & string)[], records: AsyncIterable<T> | Iterable<T>) {
  const csv = Readable.from(records).pipe(stringify({ header: true, columns: [...columns] }));
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(csv);
}
