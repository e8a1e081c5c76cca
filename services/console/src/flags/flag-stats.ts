import { z } from 'zod';
import type { Pool } from '@backstop/postgres';

export const FlagStats = z.object({
  counts: z.array(z.object({ window: z.enum(['1h', '24h']), type: z.string(), severity: z.string(), count: z.int() })),
  detectionLatencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable(), samples: z.int() })
    .describe('Detection latency (accepted by ingest → flag published) over the last 15 minutes.'),
});
export type FlagStats = z.infer<typeof FlagStats>;

export async function flagStats(pool: Pool, tenantId: string | null, now = new Date()): Promise<FlagStats> {
  const counts = await pool.query<{ window: '1h' | '24h'; type: string; severity: string; count: number }>(
    `SELECT w.label AS window, f.type, f.severity, count(*)::int AS count
       FROM (VALUES ('1h', interval '1 hour'), ('24h', interval '24 hours')) AS w(label, span)
       JOIN flags f ON f.flagged_at >= $2::timestamptz - w.span
      WHERE ($1::text IS NULL OR f.tenant_id = $1)
      GROUP BY w.label, f.type, f.severity
      ORDER BY w.label, f.type, f.severity`,
    [tenantId, now],
  );
  const latency = await pool.query<{ p50: number | null; p99: number | null; samples: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
            count(*)::int AS samples
       FROM (SELECT extract(epoch FROM flagged_at - received_at) * 1000 AS ms
               FROM flags WHERE ($1::text IS NULL OR tenant_id = $1) AND flagged_at >= $2::timestamptz - interval '15 minutes') AS recent`,
    [tenantId, now],
  );
  const row = latency.rows[0] ?? { p50: null, p99: null, samples: 0 };
  return { counts: counts.rows, detectionLatencyMs: { p50: row.p50 === null ? null : Math.round(row.p50), p99: row.p99 === null ? null : Math.round(row.p99), samples: row.samples } };
}
