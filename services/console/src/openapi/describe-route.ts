import type { FastifySchema } from 'fastify';
import type { z } from 'zod';
import type { Role } from '@backstop/tenancy';
import type { AnswerDescription } from './answers';
import { requestSchema } from './json-schema';

/**
 * @fastify/swagger marks every request body required (Fastify's own validation would demand
 * one); `docs.ts` turns this mark, copied onto the operation, into `required: false`.
 */
export const optionalBodyMark = 'x-body-may-be-omitted';

export interface RouteDescription {
  summary: string;
  description?: string;
  /** The roles admitted besides operators (who are admitted everywhere); absent for public routes. */
  roles?: readonly Role[];
  querystring?: z.ZodType;
  params?: z.ZodType;
  headers?: z.ZodType;
  body?: z.ZodType;
  /** The handler reads a missing body as `{}`. */
  bodyMayBeOmitted?: boolean;
  responses: Record<number, AnswerDescription>;
}

function whoMayCall(roles: readonly Role[]): string {
  return roles.length === 0 ? 'Operators only.' : `Roles: ${roles.join(', ')} (and operators).`;
}

/**
 * A route's Fastify schema, for the OpenAPI document, made from the very zod schemas its handler
 * parses with. The console's compilers (see `docs.ts`) leave validation to the handler.
 */
export function describeRoute(route: RouteDescription): FastifySchema {
  const description = [route.description, route.roles && whoMayCall(route.roles)].filter(Boolean).join('\n\n');
  return {
    summary: route.summary,
    ...(description ? { description } : {}),
    ...(route.roles ? { security: [{ apiKey: [] }] } : {}),
    ...(route.querystring ? { querystring: requestSchema(route.querystring) } : {}),
    ...(route.params ? { params: requestSchema(route.params) } : {}),
    ...(route.headers ? { headers: requestSchema(route.headers) } : {}),
    ...(route.body ? { body: requestSchema(route.body) } : {}),
    ...(route.bodyMayBeOmitted ? { [optionalBodyMark]: true } : {}),
    response: route.responses,
  };
}
