import { PROBLEM_BASE, type ProblemDetails } from './problem-details';

/**
 * RFC 9457 problem details. `type` is a stable URI per kind of rejection, so integrators
 * can branch on it; `reason` is the short name the rejection is counted under.
 */
export interface FieldError {
  /** JSON path of the offending field, e.g. "$.data.amount". */
  path: string;
  message: string;
}


export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(title);
  }

  toJSON(): ProblemDetails {
    return {
      type: PROBLEM_BASE + this.reason,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...this.extensions,
    };
  }
}

export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (acc, segment) => (typeof segment === 'number' ? `${acc}[${segment}]` : `${acc}.${String(segment)}`),
    '$',
  );
}
