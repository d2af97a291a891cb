import * as z from 'zod';

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Opaque ids (userId, orgId, connectionId...): printable, bounded, no spaces or control characters. */
export const opaqueId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]*$/, { error: 'must be printable ASCII without spaces' });
export const uuid = z.string().regex(UUID_PATTERN, { error: 'must be a UUID' });

/** Text that says something: not empty and not only whitespace. Kept as given, never trimmed. */
export const text = z.string().refine((value) => value.trim() !== '', { error: 'must not be blank' });

/** At most `max` bytes of UTF-8 (limits that protect storage and model input count bytes, not characters). */
export const maxBytes = (max: number) =>
  text.refine((value) => Buffer.byteLength(value, 'utf8') <= max, { error: `must be at most ${max} bytes` });

/** An optional field: absent and null (what JSON producers write for "none") both mean not given. */
export const optional = <S extends z.ZodType>(schema: S) =>
  schema
    .nullish()
    .transform((value) => value ?? undefined)
    .optional();

/** An optional field with the value it takes when not given. */
export const withDefault = <S extends z.ZodType>(schema: S, value: z.output<S>) =>
  schema.nullish().transform((given) => given ?? value);
