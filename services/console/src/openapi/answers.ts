import type { z } from 'zod';
import { answerSchema } from './json-schema';
import { ProblemDetails } from '@backstop/http';

/** One documented answer of a route: its description and body per content type. */
export interface AnswerDescription {
  description: string;
  content?: Record<string, { schema: unknown }>;
  type?: 'null';
}

export const json = (description: string, type: z.ZodType): AnswerDescription => ({ description, content: { 'application/json': { schema: answerSchema(type) } } });
export const problem = (description: string): AnswerDescription => ({ description, content: { 'application/problem+json': { schema: answerSchema(ProblemDetails) } } });
export const csv = (description: string): AnswerDescription => ({ description, content: { 'text/csv': { schema: { type: 'string' } } } });
export const eventStream = (description: string): AnswerDescription => ({ description, content: { 'text/event-stream': { schema: { type: 'string' } } } });
export const html = (description: string): AnswerDescription => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
export const plainText = (description: string): AnswerDescription => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
/** `type: 'null'` is how Fastify and @fastify/swagger spell an answer without a body. */
export const noContent = (description: string): AnswerDescription => ({ description, type: 'null' });

/** The answers every authenticated route shares. */
export const authRejections = {
  401: problem('`unauthorized`: the API key is missing, malformed, unknown or revoked.'),
  403: problem('`forbidden`: the key\'s role may not call this route.'),
};

/** The answers of routes that read a tenant's data, which operators may narrow with `tenant`. */
export const tenantScopedRejections = {
  ...authRejections,
  403: problem('`forbidden`: the key\'s role may not call this route; `forbidden-tenant`: a tenant key named another tenant in `tenant`.'),
};

export const invalidQuery = problem('`invalid-query`: `errors` names each unknown or malformed parameter by its JSON path.');

/** Fastify's own answers to a body it cannot read, before any check of ours. */
export const bodyRejections = {
  413: problem('`body-too-large`.'),
  415: problem('`unsupported-media-type`: send application/json.'),
};
