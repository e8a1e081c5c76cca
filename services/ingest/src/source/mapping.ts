import { z } from 'zod';
import { TenantId } from '@backstop/contracts';

/**
 * Where one field of the contract comes from in a platform's own record: a dot path into the
 * record (optionally converted), or a constant.
 */
export const FieldSource = z.union([
  z.string().min(1),
  z.strictObject({
    from: z.string().min(1),
    /** epoch-ms / epoch-s: a number of ms or s since the epoch, turned into an ISO timestamp. */
    as: z.enum(['epoch-ms', 'epoch-s', 'string', 'integer']).optional(),
  }),
  z.strictObject({ const: z.union([z.string(), z.number(), z.boolean()]) }),
]);
export type FieldSource = z.infer<typeof FieldSource>;

/** How a platform's records map onto the contract: contract dot path -> where it comes from. */
export const SourceMapping = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/), FieldSource);
export type SourceMapping = z.infer<typeof SourceMapping>;

/** One platform topic that ingest consumes: whose it is, and how to read its records. */
export const SourceTopic = z.strictObject({
  tenantId: TenantId,
  topic: z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/),
  /** Absent: the records already are contract events. */
  mapping: SourceMapping.optional(),
});
export type SourceTopic = z.infer<typeof SourceTopic>;

export const SourceTopics = z.array(SourceTopic).refine(
  (sources) => new Set(sources.map((source) => source.topic)).size === sources.length,
  'each topic may belong to one tenant only',
);
export type SourceTopics = z.infer<typeof SourceTopics>;

function read(record: unknown, path: string): unknown {
  let value: unknown = record;
  for (const segment of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function convert(value: unknown, as: 'epoch-ms' | 'epoch-s' | 'string' | 'integer' | undefined): unknown {
  if (value === undefined || as === undefined) return value;
  switch (as) {
    case 'epoch-ms':
    case 'epoch-s': {
      const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) return value;
      const date = new Date(as === 'epoch-s' ? number * 1000 : number);
      return Number.isNaN(date.getTime()) ? value : date.toISOString();
    }
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    case 'integer':
      return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  }
}

/**
 * Builds the contract-shaped object a record describes. Fields the record lacks are left out,
 * so the contract's own validation names them; values are not checked here.
 */
export function applyMapping(record: unknown, mapping: SourceMapping | undefined): unknown {
  if (!mapping) return record;
  const event: Record<string, unknown> = {};
  for (const [target, source] of Object.entries(mapping)) {
    const value =
      typeof source === 'string' ? read(record, source) : 'const' in source ? source.const : convert(read(record, source.from), source.as);
    if (value === undefined) continue;
    const segments = target.split('.');
    let node = event;
    for (const segment of segments.slice(0, -1)) {
      if (!Object.hasOwn(node, segment)) node[segment] = {};
      node = node[segment] as Record<string, unknown>;
    }
    node[segments.at(-1)!] = value;
  }
  return event;
}
