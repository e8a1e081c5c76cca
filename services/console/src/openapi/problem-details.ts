import { z } from 'zod';
import { PROBLEM_BASE } from '@backstop/http';

/** RFC 9457 problem details, as every console rejection is answered. */
export const ProblemDetails = z
  .object({
    type: z.string().describe(`A stable URI per kind of rejection, ${PROBLEM_BASE}<reason>`),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string().describe('JSON path of the offending parameter or field, e.g. $.limit'), message: z.string() })).optional(),
  })
  .catchall(z.unknown());
export type ProblemDetails = z.infer<typeof ProblemDetails>;
