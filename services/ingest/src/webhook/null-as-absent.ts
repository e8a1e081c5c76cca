import { z } from 'zod';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** What the walk needs of an object schema: the keys a body may leave out, and the objects nested under others. */
interface ObjectFacts {
  optional: ReadonlySet<string>;
  nested: ReadonlyMap<string, z.ZodObject>;
}

/** Worked out once per schema: the walk runs for every event. */
const factsOf = new WeakMap<z.ZodObject, ObjectFacts>();

function objectFacts(schema: z.ZodObject): ObjectFacts {
  let facts = factsOf.get(schema);
  if (!facts) {
    const fields = Object.entries(schema.shape) as [string, z.ZodType][];
    facts = {
      optional: new Set(fields.filter(([, field]) => field.safeParse(undefined).success).map(([key]) => key)),
      nested: new Map(fields.filter((entry): entry is [string, z.ZodObject] => entry[1] instanceof z.ZodObject)),
    };
    factsOf.set(schema, facts);
  }
  return facts;
}

/** A discriminated union's options by the literal values of their discriminator, worked out once per union. */
const optionsByValue = new WeakMap<z.ZodDiscriminatedUnion<z.ZodObject[]>, ReadonlyMap<unknown, z.ZodObject>>();

function optionsOf(union: z.ZodDiscriminatedUnion<z.ZodObject[]>): ReadonlyMap<unknown, z.ZodObject> {
  let options = optionsByValue.get(union);
  if (!options) {
    const discriminator = union.def.discriminator;
    options = new Map(union.options.flatMap((option) => {
      const tag = option.shape[discriminator];
      return tag instanceof z.ZodLiteral ? [...tag.values].map((value) => [value, option] as const) : [];
    }));
    optionsByValue.set(union, options);
  }
  return options;
}

/**
 * `value` with every optional field that is `null` left out, in it and in the objects nested in
 * it as `schema` describes them; for a discriminated union, as the option its discriminator
 * names describes it. Many platforms' JSON writers (Jackson and Newtonsoft by default, Go's
 * pointers without omitempty) write `null` for a value they do not have, and the contract calls
 * that absent; a required field that is `null` stays, for the contract to refuse. Returns
 * `value` itself when it holds no such field, or names no option of the union.
 */
export function withoutNullOptionals(value: unknown, schema: z.ZodObject | z.ZodDiscriminatedUnion<z.ZodObject[]>): unknown {
  if (!isRecord(value)) return value;
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const option = optionsOf(schema).get(value[schema.def.discriminator]);
    return option ? withoutNullOptionals(value, option) : value;
  }
  const { optional, nested } = objectFacts(schema);
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const field = value[key];
    if (field === null && optional.has(key)) {
      copy ??= { ...value };
      delete copy[key];
      continue;
    }
    const nestedSchema = nested.get(key);
    if (nestedSchema === undefined) continue;
    const cleaned = withoutNullOptionals(field, nestedSchema);
    if (cleaned !== field) {
      copy ??= { ...value };
      copy[key] = cleaned;
    }
  }
  return copy ?? value;
}
