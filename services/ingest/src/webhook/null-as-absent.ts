import { z } from 'zod';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The keys an object schema lets a body leave out, worked out once per schema. */
const absentAllowed = new WeakMap<z.ZodObject, ReadonlySet<string>>();

function keysThatMayBeAbsent(schema: z.ZodObject): ReadonlySet<string> {
  let keys = absentAllowed.get(schema);
  if (!keys) {
    keys = new Set(Object.entries(schema.shape).filter(([, field]) => (field as z.ZodType).safeParse(undefined).success).map(([key]) => key));
    absentAllowed.set(schema, keys);
  }
  return keys;
}

/**
 * `value` with every optional field that is `null` left out, in it and in the objects nested in
 * it as `schema` describes them. Many platforms' JSON writers (Jackson and Newtonsoft by
 * default, Go's pointers without omitempty) write `null` for a value they do not have, and the
 * contract calls that absent; a required field that is `null` stays, for the contract to refuse.
 * Returns `value` itself when it holds no such field.
 */
export function withoutNullOptionals(value: unknown, schema: z.ZodObject): unknown {
  if (!isRecord(value)) return value;
  const optional = keysThatMayBeAbsent(schema);
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (!Object.hasOwn(schema.shape, key)) continue;
    const fieldSchema = schema.shape[key] as z.ZodType;
    if (field === null && optional.has(key)) {
      copy ??= { ...value };
      delete copy[key];
    } else if (isRecord(field) && fieldSchema instanceof z.ZodObject) {
      const nested = withoutNullOptionals(field, fieldSchema);
      if (nested !== field) {
        copy ??= { ...value };
        copy[key] = nested;
      }
    }
  }
  return copy ?? value;
}
