import type { z } from 'zod';
import { jsonPath, Problem } from '@backstop/http';

/** Parses query parameters with a schema; a bad one is a 400 naming the parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, query: unknown): z.infer<T> {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  throw new Problem(400, 'invalid-query', 'Invalid query parameters', undefined, {
    errors: parsed.error.issues.map((issue) => ({
      path: issue.code === 'unrecognized_keys' ? jsonPath([...issue.path, issue.keys[0] ?? '']) : jsonPath(issue.path),
      message: issue.code === 'unrecognized_keys' ? 'unknown parameter' : issue.message,
    })),
  });
}
