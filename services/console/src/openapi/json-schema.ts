import { z } from 'zod';

/** OpenAPI 3.0 has no null type: `nullable` plus a type that the enum rules out but for null. */
const nullOnly = { type: 'object', nullable: true, enum: [null] };

/**
 * Where zod's `nullable: true` would not admit null under OpenAPI 3.0.3: beside no `type` (zod
 * writes a nullable union, `FlagMessage.nullable()`, as `{ nullable: true, oneOf: [...] }`) it
 * is ignored, so the schema becomes `anyOf: [the union, null]`; beside an `enum`, null must be
 * one of the values, so it is added.
 */
function admitNull(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(admitNull);
  if (!node || typeof node !== 'object') return node;
  const schema: Record<string, unknown> = Object.fromEntries(Object.entries(node).map(([key, child]) => [key, admitNull(child)]));
  if (schema.nullable !== true) return schema;
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) return { ...schema, enum: [...schema.enum, null] };
  if ('type' in schema) return schema;
  const { nullable: _, description, ...union } = schema;
  return { ...(description === undefined ? {} : { description }), anyOf: [union, nullOnly] };
}

/** Requests are described as a client writes them (defaults optional), answers as the server writes them. */
export const requestSchema = (type: z.ZodType) => admitNull(z.toJSONSchema(type, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }));
export const answerSchema = (type: z.ZodType) => admitNull(z.toJSONSchema(type, { target: 'openapi-3.0', io: 'output', unrepresentable: 'any' }));
