import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Flag } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole, stillAdmitted } from '../auth/authenticate';
import { maskAccounts } from '../auth/mask';
import { authRejections, eventStream, invalidQuery, json, problem, tenantScopedRejections } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { parseQuery, scopedTenant } from '../query';
import type { Language } from '@backstop/messages';
import { ReaderLanguageQuery, readerLanguage } from '../reader-language';
import { decodePosition, encodePosition, feedAfter, feedTail, wasReachable, type FeedPosition } from './flag-feed';
import type { FlagNotifier } from './flag-notifier';
import { FlagStats, flagStats } from './flag-stats';
import { flagView, FlagView, type FlagRow } from './flag-view';
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

const invalidLastEventId = (detail: string) => new Problem(400, 'invalid-last-event-id', 'Invalid Last-Event-ID', detail);

/**
 * @fastify/sse answers an Accept that refuses text/event-stream itself, before the handler, in
 * Fastify's JSON shape; thrown from onSend, the refusal reaches the error handler and leaves as
 * problem+json like every other one, and is counted.
 */
async function refusalAsProblem(_request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (reply.statusCode !== 406 || !String(reply.getHeader('content-type') ?? '').startsWith('application/json')) return payload;
  throw new Problem(406, 'not-acceptable', 'This feed is only text/event-stream',
    'Send Accept: text/event-stream (or leave Accept out); the feed has no other representation. A page of flags as JSON is GET /v1/flags.');
}

/** How long a live feed goes on after its key is revoked, at most (plus one poll). */
const KEY_RECHECK_MS = 5_000;

/** Operators see every tenant, or one with `?tenant=`; everyone else only their own. */
const scope = (request: FastifyRequest, requested?: string): string | null => scopedTenant(request, requested) ?? null;

const StreamQuery = FlagFilters.extend({ tenant: ListFlagsQuery.shape.tenant, ...ReaderLanguageQuery.shape });
const ListQuery = ListFlagsQuery.extend(ReaderLanguageQuery.shape);
const StatsQuery = StreamQuery.pick({ tenant: true });
/** Anything that is not a flag id is answered like an unknown one. */
const FlagParams = z.strictObject({ flagId: Flag.shape.flagId });
const StreamHeaders = z.object({ 'last-event-id': z.string().optional().describe('Resume right after the event with this id.') });
// The cursor is the last row's bigint sequence number, which the pool reads as a number.
const FlagPage = z.object({ data: z.array(FlagView), nextCursor: z.int().nullable().describe('Pass as `cursor` for the next page; null on the last.') });


const listSchema = describeRoute({
  summary: 'List flags, newest first',
  roles: readers,
  querystring: ListQuery,
  responses: { 200: json('A page of flags.', FlagPage), 400: invalidQuery, ...tenantScopedRejections },
});
const statsSchema = describeRoute({
  summary: 'Flag counts per type and severity over the last hour and day, and detection latency',
  roles: readers,
  querystring: StatsQuery,
  responses: { 200: json('Counts and latency.', FlagStats), 400: invalidQuery, ...tenantScopedRejections },
});
const streamSchema = describeRoute({
  summary: 'Live feed of flags (Server-Sent Events)',
  description: 'Without Last-Event-ID: the last 50 flags, then `event: ready`, then each new flag as it is recorded. '
    + 'With it: every flag after that event. `event: flag` carries a flag as in the list. Heartbeats keep the connection alive.',
  roles: readers,
  querystring: StreamQuery,
  headers: StreamHeaders,
  responses: {
    200: eventStream('`flag` and `ready` events, until the client hangs up.'),
    400: problem('`invalid-query`, or `invalid-last-event-id`: Last-Event-ID is not an id this stream sent (malformed, or past every event it has sent).'),
    ...tenantScopedRejections,
    406: problem('`not-acceptable`: Accept refuses text/event-stream.'),
  },
});
const oneFlagSchema = describeRoute({
  summary: 'One flag with its payment and full evidence',
  roles: readers,
  params: FlagParams,
  querystring: ReaderLanguageQuery,
  responses: {
    200: json('The flag; account numbers masked for roles that may not see them.', FlagView),
    400: invalidQuery,
    ...authRejections,
    404: problem('`not-found`: no such flag, or another tenant\'s.'),
  },
});

export async function flagRoutes(app: FastifyInstance, options: FlagRouteOptions): Promise<void> {
  const { pool, notifier } = options;
  const pollMs = options.pollMs ?? 1_000;
  const auth = { preHandler: requireRole(pool, readers) };
  // Live streams never finish on their own; closing the server ends them.
  const shuttingDown = new AbortController();
  app.addHook('preClose', async () => shuttingDown.abort());
  const view = (request: FastifyRequest, row: FlagRow, withEvidence: boolean, lang: Language) =>
    maskAccounts(flagView(row, { withEvidence, lang }), request.principal!.role);

  app.get('/v1/flags', { ...auth, schema: listSchema }, async (request) => {
    const { limit, cursor, tenant, lang: requested, ...filters } = parseQuery(ListQuery, request);
    const lang = readerLanguage(request, requested);
    const page = await listFlags(pool, scope(request, tenant), filters, { limit, cursor });
    return { data: page.rows.map((row) => view(request, row, false, lang)), nextCursor: page.nextCursor };
  });

  app.get('/v1/flags/stats', { ...auth, schema: statsSchema }, async (request) => {
    const { tenant } = parseQuery(StatsQuery, request);
    return flagStats(pool, scope(request, tenant));
  });

  app.get('/v1/flags/stream', { ...auth, sse: 'only', schema: streamSchema, onSend: refusalAsProblem }, async (request, reply) => {
    const { tenant, lang: requested, ...filters } = parseQuery(StreamQuery, request);
    const lang = readerLanguage(request, requested);
    const tenantId = scope(request, tenant);
    const lastEventId = request.headers['last-event-id'];
    let position: FeedPosition | null = null;
    if (typeof lastEventId === 'string' && lastEventId.length > 0) {
      position = decodePosition(lastEventId);
      if (!position) {
        throw invalidLastEventId('Last-Event-ID must be the id of an event this stream sent, two numbers joined by a dot; '
          + 'reconnect without it to start from the latest flags.');
      }
      if (!(await wasReachable(pool, position))) {
        throw invalidLastEventId(`Last-Event-ID ${encodePosition(position)} is past every event this stream has sent (an id from another `
          + 'environment or from before a database restore?); reconnect without it to start from the latest flags.');
      }
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
      let admittedAt = Date.now();
      while (!closed.signal.aborted) {
        if (Date.now() - admittedAt >= KEY_RECHECK_MS) {
          // Ended, the reader's EventSource reconnects and meets the 401 every new request gets.
          if (!(await stillAdmitted(pool, request))) return;
          admittedAt = Date.now();
        }
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

  app.get('/v1/flags/:flagId', { ...auth, schema: oneFlagSchema }, async (request) => {
    const params = FlagParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such flag');
    const row = await getFlag(pool, scope(request), params.data.flagId);
    if (!row) throw new Problem(404, 'not-found', 'No such flag');
    const { lang } = parseQuery(ReaderLanguageQuery, request);
    return view(request, row, true, readerLanguage(request, lang));
  });
}
