import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FreeText, RefundDecision } from '@backstop/contracts';
import { jsonPath, Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { maskAccounts } from '../auth/mask';
import type { Role } from '@backstop/tenancy';
import { sendCsv } from '../csv';
import { authRejections, bodyRejections, csv, invalidQuery, json, problem, tenantScopedRejections } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { renderMessage, type Language } from '@backstop/messages';
import { parseQuery, scopedTenant } from '../query';
import { ReaderLanguageQuery, readerLanguage } from '../reader-language';
import { DecisionFilter, DecisionListQuery } from './decision-filter';
import { allDecisions, decodeCursor, encodeCursor, listDecisions } from './list-decisions';
import { reviewDecision, type Verdict } from './review';

const DecisionParams = z.strictObject({ decisionId: z.uuid() });
const ReviewBody = z.strictObject({ reason: FreeText.trim().max(500).optional() });
/** A range that ends before it starts is a mistake to name, not an empty answer (as in reconciliation). */
const rangeInOrder = (query: { from?: string; to?: string }) => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to);
const rangeOrder = { message: '"from" must not be after "to"', path: ['to'] };
const ListQuery = DecisionListQuery.extend(ReaderLanguageQuery.shape).refine(rangeInOrder, rangeOrder);
const CsvQuery = DecisionFilter.extend(ReaderLanguageQuery.shape).refine(rangeInOrder, rangeOrder);
const DecisionPage = z.object({ data: z.array(RefundDecision), nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.') });

/**
 * Names what is actually wrong: an unknown field at its own path (not at `reason`, which may be
 * fine), a body that is no JSON object at `$`.
 */
function invalidReviewBody(error: z.ZodError): Problem {
  const errors = error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), message: 'unknown field: the body has only `reason`' }));
    if (issue.path.length === 0) return [{ path: '$', message: 'a JSON object, {"reason": "…"}' }];
    return [{ path: jsonPath(issue.path), message: 'a string of at most 500 characters, without NUL' }];
  });
  return new Problem(400, 'invalid-body', 'Invalid body',
    'Send a JSON object (Content-Type: application/json) with one optional field, `reason`, a string of at most 500 characters; '
      + 'or no body to approve without a reason. `errors` names each offending field.', { errors });
}

const financeReaders = ['finance', 'admin'] as const;
const reviewers = ['ops', 'finance', 'admin'] as const;

const listSchema = describeRoute({
  summary: 'List refund decisions',
  roles: financeReaders,
  querystring: ListQuery,
  responses: {
    200: json('A page of decisions; `reason` in the reader\'s language.', DecisionPage),
    400: problem('`invalid-query`: `errors` names each unknown or malformed parameter by its JSON path; `invalid-cursor`.'),
    ...tenantScopedRejections,
  },
});
const csvSchema = describeRoute({
  summary: 'Export refund decisions as CSV',
  description: 'UTF-8 with a byte-order mark; cells that a spreadsheet would run as formulas are quoted away.',
  roles: financeReaders,
  querystring: CsvQuery,
  responses: {
    200: csv('One line per decision, streamed.'),
    400: invalidQuery,
    ...tenantScopedRejections,
  },
});
const reviewSchema = (summary: string, reason: string) => describeRoute({
  summary,
  description: `Only a decision waiting for review changes. ${reason}`,
  roles: reviewers,
  params: DecisionParams,
  body: ReviewBody,
  bodyMayBeOmitted: true,
  responses: {
    200: json('The decision as it is now.', z.object({ data: RefundDecision })),
    400: problem('`invalid-body`; `reason-required`; `malformed-json`.'),
    ...authRejections,
    404: problem('`decision-not-found`: no such decision, or another tenant\'s.'),
    409: problem('`decision-not-pending`: the decision is not waiting for review; `exceeds-captured`: approving would refund more than was captured (`captured`, `refundedElsewhere`, `decided`: minor units and currency).'),
    ...bodyRejections,
  },
});

const csvColumns = [
  'decisionId', 'tenantId', 'paymentId', 'orderId', 'merchantId', 'channel', 'flagId', 'flagType', 'severity', 'action', 'status',
  'amount', 'currency', 'capturedAmount', 'confirmedAmount', 'reason', 'advice', 'revokeGoodsFirst', 'idempotencyKey', 'decidedBy',
  'createdAt', 'approvedAt', 'sentAt', 'confirmedAt', 'reviewNote',
] as const;

/**
 * A decision as this reader may see it: the reason in their language (decisions from before
 * messages keep their English), and account numbers masked unless their role judges
 * recipient mistakes, as on every other page that shows a payment.
 */
const forReader = (decision: RefundDecision, lang: Language, role: Role): RefundDecision =>
  maskAccounts({ ...decision, reason: renderMessage(decision.reasonMessage, { lang }, decision.reason) }, role);

async function* forEachReader(decisions: AsyncIterable<RefundDecision>, lang: Language, role: Role) {
  for await (const decision of decisions) yield forReader(decision, lang, role);
}

export async function refundRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const finance = requireRole(pool, financeReaders);

  app.get('/v1/refunds', { preHandler: finance, schema: listSchema }, async (request) => {
    const { limit, cursor, lang, ...filter } = parseQuery(ListQuery, request);
    const after = cursor ? decodeCursor(cursor) : null;
    if (cursor && !after) {
      throw new Problem(400, 'invalid-cursor', 'Invalid cursor', 'Pass the `nextCursor` of the previous page unchanged, or no cursor for the first page.',
        { errors: [{ path: '$.cursor', message: 'the nextCursor of a previous page' }] });
    }
    const page = await listDecisions(pool, { ...filter, tenant: scopedTenant(request, filter.tenant) }, { limit, after });
    const reader = readerLanguage(request, lang);
    return { data: page.decisions.map((decision) => forReader(decision, reader, request.principal!.role)), nextCursor: page.next ? encodeCursor(page.next) : null };
  });

  app.get('/v1/refunds.csv', { preHandler: finance, schema: csvSchema }, async (request, reply) => {
    const { lang: requested, ...filter } = parseQuery(CsvQuery, request);
    const lang = readerLanguage(request, requested);
    const decisions = allDecisions(pool, { ...filter, tenant: scopedTenant(request, filter.tenant) });
    return sendCsv(reply, 'refund-decisions.csv', csvColumns, forEachReader(decisions, lang, request.principal!.role));
  });

  const review = (verdict: Verdict) => async (request: FastifyRequest) => {
    const params = DecisionParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'decision-not-found', 'No such decision');
    const body = ReviewBody.safeParse(request.body ?? {});
    if (!body.success) throw invalidReviewBody(body.error);
    const reason = body.data.reason || undefined;
    if (verdict !== 'approve' && !reason) {
      throw new Problem(400, 'reason-required', 'A reason is required', 'Say why the refund is rejected.', { errors: [{ path: '$.reason', message: 'required to reject' }] });
    }
    const principal = request.principal!;
    await reviewDecision(pool, principal.role === 'operator' ? null : principal.tenantId, params.data.decisionId, verdict, `key:${principal.keyId}`, reason);
    const page = await listDecisions(pool, { tenant: principal.tenantId ?? undefined }, { limit: 1, after: null, decisionId: params.data.decisionId });
    return { data: page.decisions[0] && forReader(page.decisions[0], readerLanguage(request, undefined), principal.role) };
  };
  const reviewer = requireRole(pool, reviewers);
  app.post('/v1/refunds/:decisionId/approve', {
    preHandler: reviewer, schema: reviewSchema('Approve a decision', 'Re-checks the captured amount and queues the refund command; `reason` is optional.'),
  }, review('approve'));
  app.post('/v1/refunds/:decisionId/reject', {
    preHandler: reviewer, schema: reviewSchema('Reject a decision', '`reason` is required.'),
  }, review('reject'));
  app.post('/v1/refunds/:decisionId/false-positive', {
    preHandler: reviewer, schema: reviewSchema('Reject a decision as a false positive', 'Also marks the flag, so rules can be tuned on it; `reason` is required.'),
  }, review('false-positive'));
}
