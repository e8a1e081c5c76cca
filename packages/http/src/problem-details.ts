import { z } from 'zod';

export const PROBLEM_BASE = 'https://backstop.dev/problems/';

/** RFC 9457 problem details, as every rejection is answered, for the OpenAPI documents. */
export const ProblemDetails = z
  .object({
    type: z.string().describe(`A stable URI per kind of rejection, ${PROBLEM_BASE}<reason>`),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ path: z.string().describe('JSON path of the offending parameter or field, e.g. $.data.amount'), message: z.string() })).optional(),
  })
  .catchall(z.unknown());
export type ProblemDetails = z.infer<typeof ProblemDetails>;
