import { z } from 'zod';
import { json, plainText } from './answers';
import { describeRoute } from './describe-route';

/** The console's own public routes, for load balancers and Prometheus. */
export const healthSchema = describeRoute({
  summary: 'Liveness',
  responses: { 200: json('The process answers.', z.object({ status: z.literal('ok') })) },
});

export const metricsSchema = describeRoute({
  summary: 'Prometheus metrics',
  description: 'Request latency by route pattern and status, rejections by reason, live feeds open. Holds no tenant data.',
  responses: { 200: plainText('Prometheus text exposition format.') },
});
