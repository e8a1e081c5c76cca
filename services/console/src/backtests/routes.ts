import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BacktestError } from '@backstop/backtest';
import { Problem } from '@backstop/http';
import { promoteConfiguration } from '@backstop/ledger';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { authRejections, bodyRejections, json, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { ownTenant, parseBody } from '../request-parts';
import type { BacktestJob, BacktestJobs } from './jobs';

const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 with its offset, e.g. 2026-11-30T08:00:00Z.');
const NewBacktest = z.strictObject({
  from: Instant,
  to: Instant,
  warmUpHours: z.number().min(0).max(24 * 365).optional().describe('Events read before `from` to build the payers\' state; default 2160 (90 days, the history horizon).'),
  rules: z.unknown().optional().describe('Candidate detector rules (as `PUT /v1/rules` takes them); default: those in force.'),
  policy: z.unknown().optional().describe('Candidate refund policy (as `PUT /v1/policy` takes it); default: the one in force.'),
});
const JobParams = z.strictObject({ jobId: z.uuid() });
const Job = z.object({
  jobId: z.string(),
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  progress: z.object({ phase: z.string(), read: z.int(), total: z.int(), fraction: z.number().describe('0 to 1: events read of those planned.') }),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  report: z.record(z.string(), z.unknown()).nullable().describe('Once done: the report, as `npm run cli -- backtest --format json` prints it (docs/backtest.md).'),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  promoted: z.boolean(),
});
const Promoted = z.object({ promotionId: z.string(), digest: z.string(), rules: z.boolean(), policy: z.boolean(), auditSeq: z.int() });

const tenantRequired = '`tenant-required`: backtests belong to a tenant; use a tenant admin key.';
const unavailable = problem('`backtests-unavailable`: this console runs without Kafka and Redis.');
const noSuchJob = problem('`not-found`: no such backtest, or another tenant\'s (finished jobs are kept while the console runs).');
const startSchema = describeRoute({
  summary: 'Start a backtest',
  description: 'Replays the tenant\'s events of the period with the candidate rules and policy in shadow and compares with production; poll the job for its progress and report.',
  roles: ['admin'],
  body: NewBacktest,
  responses: {
    202: json('The job, running.', Job),
    400: problem(`\`invalid-body\`, \`invalid-period\`, \`invalid-rules\`, \`invalid-policy\`: the message and \`errors\` say what is wrong; ${tenantRequired}`),
    ...authRejections,
    ...bodyRejections,
    503: unavailable,
  },
});
const showSchema = describeRoute({
  summary: 'A backtest\'s progress and report',
  roles: ['admin'],
  params: JobParams,
  responses: { 200: json('The job.', Job), 400: problem(tenantRequired), ...authRejections, 404: noSuchJob, 503: unavailable },
});
const cancelSchema = describeRoute({
  summary: 'Cancel a backtest',
  description: 'Returns once the job stopped and its shadow state is removed.',
  roles: ['admin'],
  params: JobParams,
  responses: { 200: json('The job.', Job), 400: problem(tenantRequired), ...authRejections, 404: noSuchJob, 503: unavailable },
});
const promoteSchema = describeRoute({
  summary: 'Promote a backtest\'s candidate configuration',
  description: 'Stores the rules and policy the backtest tried as the tenant\'s own and records the promotion in the audit hash chain; the detector rereads rules within 30 s.',
  roles: ['admin'],
  params: JobParams,
  responses: {
    200: json('The promotion, as the audit chain records it.', Promoted),
    400: problem(tenantRequired), ...authRejections, 404: noSuchJob,
    503: unavailable,
    409: problem('`backtest-not-done`: only a finished backtest\'s candidate can be promoted; `already-promoted`; `nothing-to-promote`: the backtest tried the configuration in force.'),
  },
});

const view = ({ jobId, status, progress, startedAt, finishedAt, report, error, promoted }: BacktestJob) => ({ jobId, status, progress, startedAt, finishedAt, report, error, promoted });

/** Backtests as console jobs: start, watch, cancel, promote (admins, their own tenant). */
export async function backtestRoutes(app: FastifyInstance, { pool, jobs: maybeJobs }: { pool: Pool; jobs?: BacktestJobs }): Promise<void> {
  const admin = requireRole(pool, ['admin']);
  // An app built without Kafka and Redis (a test's) keeps the routes, and says why they cannot run.
  const available = (): BacktestJobs => {
    if (!maybeJobs) throw new Problem(503, 'backtests-unavailable', 'Backtests are not available in this console');
    return maybeJobs;
  };
  const jobOf = (request: { principal?: { tenantId: string | null } | undefined; params: unknown }) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Backtests');
    const jobs = available();
    const params = JobParams.safeParse(request.params);
    const job = params.success ? jobs.get(params.data.jobId, tenantId) : undefined;
    if (!job) throw new Problem(404, 'not-found', 'No such backtest');
    return job;
  };

  app.post('/v1/backtests', { preHandler: admin, schema: startSchema }, async (request, reply) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Backtests');
    const body = parseBody(NewBacktest, request.body);
    try {
      const job = await available().start({
        tenantId, fromMs: Date.parse(body.from), toMs: Date.parse(body.to), warmUpHours: body.warmUpHours ?? 90 * 24,
        ...(body.rules !== undefined ? { rules: body.rules } : {}), ...(body.policy !== undefined ? { policy: body.policy } : {}),
        requestedBy: `key:${request.principal!.keyId}`,
      });
      return reply.code(202).send(view(job));
    } catch (error) {
      if (error instanceof BacktestError) throw new Problem(400, error.code, 'Invalid backtest', error.message);
      throw error;
    }
  });

  app.get('/v1/backtests/:jobId', { preHandler: admin, schema: showSchema }, async (request) => view(jobOf(request)));

  app.delete('/v1/backtests/:jobId', { preHandler: admin, schema: cancelSchema }, async (request) => {
    const job = jobOf(request);
    await available().cancel(job.jobId);
    return view(job);
  });

  app.post('/v1/backtests/:jobId/promote', { preHandler: admin, schema: promoteSchema }, async (request) => {
    const job = jobOf(request);
    if (job.status !== 'done' || !job.report) throw new Problem(409, 'backtest-not-done', 'The backtest has not finished', `It is ${job.status}.`);
    if (job.promoted) throw new Problem(409, 'already-promoted', 'This backtest\'s candidate was promoted already');
    if (!job.tried.rules && !job.tried.policy) throw new Problem(409, 'nothing-to-promote', 'The backtest tried the configuration in force');
    job.promoted = true;
    const change = await promoteConfiguration(pool, {
      tenantId: job.tenantId, jobId: job.jobId, digest: job.candidate.digest, actor: `key:${request.principal!.keyId}`,
      ...(job.tried.rules ? { rules: job.rulesDocument } : {}), ...(job.tried.policy ? { policy: job.candidate.policy } : {}),
    }).catch((error: unknown) => {
      job.promoted = false;
      throw error;
    });
    return { promotionId: change.promotionId, digest: change.digest, rules: change.rules, policy: change.policy, auditSeq: change.seq };
  });
}
