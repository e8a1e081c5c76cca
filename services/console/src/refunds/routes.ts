import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FreeText, type RefundDecision } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { sendCsv } from '../csv';
import { renderMessage, type Language } from '@backstop/messages';
import { parseQuery, scopedTenant } from '../query';
import { ReaderLanguageQuery, readerLanguage } from '../reader-language';
import { DecisionFilter, DecisionListQuery } from './decision-filter';
import { allDecisions, decodeCursor, encodeCursor, listDecisions } from './list-decisions';
import { reviewDecision, type Verdict } from './review';

const DecisionParams = z.strictObject({ decisionId: z.uuid() });
const ReviewBody = z.strictObject({ reason: FreeText.trim().max(500).optional() });

const csvColumns = [
  'decisionId', 'tenantId', 'paymentId', 'orderId', 'merchantId', 'channel', 'flagId', 'flagType', 'severity', 'action', 'status',
  'amount', 'currency', 'capturedAmount', 'confirmedAmount', 'reason', 'advice', 'revokeGoodsFirst', 'idempotencyKey', 'decidedBy',
  'createdAt', 'approvedAt', 'sentAt', 'confirmedAt',
] as const;

/** The reason in the reader's language; decisions from before messages keep their English. */
const inLanguage = (decision: RefundDecision, lang: Language): RefundDecision => ({
  ...decision,
  reason: renderMessage(decision.reasonMessage, { lang }, decision.reason),
});

async function* inReaderLanguage(decisions: AsyncIterable<RefundDecision>, lang: Language) {
  for await (const decision of decisions) yield inLanguage(decision, lang);
}

export async function refundRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const finance = requireRole(pool, ['finance', 'admin']);

  app.get('/v1/refunds', { preHandler: finance }, async (request) => {
    const { limit, cursor, lang, ...filter } = parseQuery(DecisionListQuery.extend(ReaderLanguageQuery.shape), request);
    const after = cursor ? decodeCursor(cursor) : null;
    if (cursor && !after) throw new Problem(400, 'invalid-cursor', 'Invalid cursor');
    const page = await listDecisions(pool, { ...filter, tenant: scopedTenant(request, filter.tenant) }, { limit, after });
    const reader = readerLanguage(request, lang);
    return { data: page.decisions.map((decision) => inLanguage(decision, reader)), nextCursor: page.next ? encodeCursor(page.next) : null };
  });

  app.get('/v1/refunds.csv', { preHandler: finance }, async (request, reply) => {
    const { lang: requested, ...filter } = parseQuery(DecisionFilter.extend(ReaderLanguageQuery.shape), request);
    const lang = readerLanguage(request, requested);
    const decisions = allDecisions(pool, { ...filter, tenant: scopedTenant(request, filter.tenant) });
    return sendCsv(reply, 'refund-decisions.csv', csvColumns, inReaderLanguage(decisions, lang));
  });

  const review = (verdict: Verdict) => async (request: FastifyRequest) => {
    const params = DecisionParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'decision-not-found', 'No such decision');
    const body = ReviewBody.safeParse(request.body ?? {});
    if (!body.success) {
      throw new Problem(400, 'invalid-body', 'Invalid body', undefined, { errors: [{ path: '$.reason', message: 'a string of at most 500 characters, without NUL' }] });
    }
    const reason = body.data.reason || undefined;
    if (verdict !== 'approve' && !reason) {
      throw new Problem(400, 'reason-required', 'A reason is required', 'Say why the refund is rejected.', { errors: [{ path: '$.reason', message: 'required to reject' }] });
    }
    const principal = request.principal!;
    await reviewDecision(pool, principal.role === 'operator' ? null : principal.tenantId, params.data.decisionId, verdict, `key:${principal.keyId}`, reason);
    const page = await listDecisions(pool, { tenant: principal.tenantId ?? undefined }, { limit: 1, after: null, decisionId: params.data.decisionId });
    return { data: page.decisions[0] };
  };
  const reviewer = requireRole(pool, ['ops', 'finance', 'admin']);
  app.post('/v1/refunds/:decisionId/approve', { preHandler: reviewer }, review('approve'));
  app.post('/v1/refunds/:decisionId/reject', { preHandler: reviewer }, review('reject'));
  app.post('/v1/refunds/:decisionId/false-positive', { preHandler: reviewer }, review('false-positive'));
}
