import { z } from 'zod';
import { json, plainText } from './answers';
import { describeRoute } from './describe-route';

/** The console's own public routes, for load balancers and Prometheus. */
export const healthSchema = describeRoute({
  summary: 'Liveness',
  responses: { 200: json('The process answers.', z.object({ status: z.literal('ok') })) },
});

export const readySchema = describeRoute({
  summary: 'Readiness',
  description: 'Ready while Postgres answers: every API route reads or writes it.',
  responses: {
    200: json('Postgres answers.', z.object({ status: z.literal('ready') })),
    503: json('Postgres does not answer; the reason says why.', z.object({ status: z.literal('not-ready'), reason: z.string() })),
  },
});

export const metricsSchema = describeRoute({
  summary: 'Prometheus metrics',
  description: 'Request latency by route pattern and status, rejections by reason, live feeds open. Holds no tenant data.',
  responses: { 200: plainText('Prometheus text exposition format.') },
});
