import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Flag } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { maskAccounts } from '../auth/mask';
import { parseQuery, scopedTenant } from '../query';
import { ReaderLanguageQuery, readerLanguage } from '../reader-language';
import { decodePosition, encodePosition, feedAfter, feedTail, type FeedPosition } from './flag-feed';
import type { FlagNotifier } from './flag-notifier';
import { flagStats } from './flag-stats';
import { flagView, type FlagRow } from './flag-view';
import { FlagFilters, getFlag, listFlags, ListFlagsQuery } from './list-flags';

export interface FlagRouteOptions {
  pool: Pool;
  notifier: FlagNotifier;
  /** How long a live-feed reader waits for a notification before looking anyway. */
  pollMs?: number;
  /** Counts the feeds open now. */
  liveFeeds?: { inc(): void; dec(): void };
}

const readers = ['ops', 'admin', 'finance'] as const;

/** Operators see every tenant, or one with `?tenant=`; everyone else only their own. */
const scope = (request: FastifyRequest, requested?: string): string | null => scopedTenant(request, requested) ?? null;

const StreamQuery = FlagFilters.extend({ tenant: ListFlagsQuery.shape.tenant, ...ReaderLanguageQuery.shape });
const ListQuery = ListFlagsQuery.extend(ReaderLanguageQuery.shape);
/** Anything that is not a flag id is answered like an unknown one. */
const FlagParams = z.strictObject({ flagId: Flag.shape.flagId });

export async function flagRoutes(app: FastifyInstance, options: FlagRouteOptions): Promise<void> {
  const { pool, notifier } = options;
  const pollMs = options.pollMs ?? 1_000;
  const auth = { preHandler: requireRole(pool, readers) };
  // Live streams never finish on their own; closing the server ends them.
  const shuttingDown = new AbortController();
  app.addHook('preClose', async () => shuttingDown.abort());
  const view = (request: FastifyRequest, row: FlagRow, withEvidence: boolean, lang?: 'en' | 'zh') =>
    maskAccounts(flagView(row, { withEvidence, lang: readerLanguage(request, lang) }), request.principal!.role);

  app.get('/v1/flags', auth, async (request) => {
    const { limit, cursor, tenant, lang, ...filters } = parseQuery(ListQuery, request);
    const page = await listFlags(pool, scope(request, tenant), filters, { limit, cursor });
    return { data: page.rows.map((row) => view(request, row, false, lang)), nextCursor: page.nextCursor };
  });

  app.get('/v1/flags/stats', auth, async (request) => {
    const { tenant } = parseQuery(StreamQuery.pick({ tenant: true }), request);
    return flagStats(pool, scope(request, tenant));
  });

  app.get('/v1/flags/stream', { ...auth, sse: 'only' }, async (request, reply) => {
    const { tenant, lang, ...filters } = parseQuery(StreamQuery, request);
    const tenantId = scope(request, tenant);
    const lastEventId = request.headers['last-event-id'];
    let position: FeedPosition | null = null;
    if (typeof lastEventId === 'string' && lastEventId.length > 0) {
      position = decodePosition(lastEventId);
      if (!position) throw new Problem(400, 'invalid-last-event-id', 'Invalid Last-Event-ID', 'Resume with the id of an event this stream sent.');
    }
    const closed = new AbortController();
    options.liveFeeds?.inc();
    closed.signal.addEventListener('abort', () => options.liveFeeds?.dec(), { once: true });
    reply.sse.onClose(() => closed.abort());
    shuttingDown.signal.addEventListener('abort', () => closed.abort(), { once: true });

    // Pulled one page at a time: the next query runs only after the previous rows were
    // written, so a slow client holds a position, never a growing buffer.
    async function* events() {
      let after = position;
      if (!after) {
        const tail = await feedTail(pool, tenantId, filters, 50);
        for (const row of tail) yield { id: encodePosition(row), event: 'flag', data: view(request, row, false, lang) };
        const last = tail.at(-1);
        after = last ? { xid: last.xid, seq: last.seq } : { xid: '0', seq: '0' };
      }
      yield { event: 'ready', data: { position: encodePosition(after) } };
      while (!closed.signal.aborted) {
        const rows = await feedAfter(pool, tenantId, filters, after, 100);
        for (const row of rows) {
          yield { id: encodePosition(row), event: 'flag', data: view(request, row, false, lang) };
          after = { xid: row.xid, seq: row.seq };
        }
        if (rows.length < 100) await notifier.wait(pollMs, closed.signal);
      }
    }
    // Taken now: a finished response lets go of its socket.
    const connection = reply.raw.socket;
    await reply.sse.send(events());
    reply.sse.close();
    // Ended by a shutdown, the connection goes too: left open for keep-alive it would hold
    // close() until the reader hung up or the keep-alive timeout (5 s) ran out.
    if (shuttingDown.signal.aborted) connection?.end();
  });

  app.get('/v1/flags/:flagId', auth, async (request) => {
    const params = FlagParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such flag');
    const row = await getFlag(pool, scope(request), params.data.flagId);
    if (!row) throw new Problem(404, 'not-found', 'No such flag');
    const { lang } = parseQuery(ReaderLanguageQuery, request);
    return view(request, row, true, lang);
  });
}
