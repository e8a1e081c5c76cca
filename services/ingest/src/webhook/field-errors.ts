import type { z } from 'zod';
import { jsonPath, type FieldError } from '@backstop/http';

/**
 * The offending fields of a zod error by JSON path, one message per path: the contract's
 * checks run from the one that explains most to the finer ones, so the first is kept and a
 * field is never reported twice in other words.
 */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const byPath = new Map<string, FieldError>();
  for (const issue of error.issues) {
    const errors = issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), message: 'unknown field' }))
      : [{ path: jsonPath(issue.path), message: issue.message }];
    for (const fieldError of errors) if (!byPath.has(fieldError.path)) byPath.set(fieldError.path, fieldError);
  }
  return [...byPath.values()];
}
