/**
 * The memory Lambda's events and responses (DESIGN.md section 4: every call carries `userId`
 * and `orgId`). Visibility: a caller sees its own `user` memories, its org's `org` memories and
 * every `global` one. A memory belongs to the (userId, orgId) that created it; only that owner
 * may update or delete it, and `global` memories are written (created, changed, deleted) only by
 * members of the `admins` group. An id the caller cannot see is NOT_FOUND, one it sees but does not
 * own is FORBIDDEN. Payloads accept only their own fields: anything else is rejected, not ignored.
 */
import * as z from 'zod';
import { callerFields } from './caller';
import { maxBytes, optional, uuid, withDefault } from './fields';

export const MEMORY_ACTIONS = ['create', 'search', 'get', 'update', 'delete', 'list', 'export', 'erase'] as const;
export type MemoryAction = (typeof MEMORY_ACTIONS)[number];
export const MEMORY_SCOPES = ['user', 'org', 'global'] as const;
export type MemoryScope = (typeof MEMORY_SCOPES)[number];

/** Content (and search query) limit, in UTF-8 bytes: well inside Titan V2's 50,000 characters. */
export const MAX_MEMORY_CONTENT_BYTES = 32 * 1024;
export const MAX_MEMORY_TAGS = 20;
export const MAX_MEMORY_TYPES_FILTER = 20;
export const MEMORY_SEARCH_LIMIT = { default: 10, max: 50 } as const;
export const MEMORY_LIST_LIMIT = { default: 20, max: 100 } as const;
export const MEMORY_EXPORT_LIMIT = { default: 100, max: 100 } as const;
/** Memories one `erase` call deletes at most (one statement); `more` says whether to call again. */
export const MEMORY_ERASE_BATCH = 500;
export const DEFAULT_MEMORY_TYPE = 'note';
export const DEFAULT_MEMORY_IMPORTANCE = 0.5;

/** Memory types and tags: short labels, no control characters. */
const label = z
  .string()
  .min(1)
  .max(64)
  .refine((value) => !/\p{Cc}/u.test(value), { error: 'must not contain control characters' });
/** A list of labels, duplicates dropped, order kept. */
const labels = (max: number, min = 0) =>
  z
    .array(label)
    .min(min)
    .max(max)
    .transform((values) => [...new Set(values)]);
/** A type filter: a non-empty list (an empty one would match nothing, which no caller means). */
const typesFilter = optional(labels(MAX_MEMORY_TYPES_FILTER, 1));
const content = maxBytes(MAX_MEMORY_CONTENT_BYTES);
const fraction = z.number().min(0).max(1);
const memoryId = uuid.transform((id) => id.toLowerCase());
const limit = (range: { default: number; max: number }) => withDefault(z.int().min(1).max(range.max), range.default);
/** Who asks, from the connection record: `groups` decides who may write `global` memories (`admins`). */
const caller = callerFields;

const payloads = {
  create: z.strictObject({
    ...caller,
    content,
    scope: withDefault(z.enum(MEMORY_SCOPES), 'user'),
    /** Free-form category, e.g. `preference`, `fact`. */
    type: withDefault(label, DEFAULT_MEMORY_TYPE),
    importance: withDefault(fraction, DEFAULT_MEMORY_IMPORTANCE),
    tags: withDefault(labels(MAX_MEMORY_TAGS), []),
  }),
  search: z.strictObject({
    ...caller,
    query: content,
    limit: limit(MEMORY_SEARCH_LIMIT),
    /** Drop results whose similarity (1 - cosine distance) is below this. */
    minSimilarity: optional(fraction),
    types: typesFilter,
  }),
  get: z.strictObject({ ...caller, id: memoryId }),
  /** At least one field to change; a changed `content` is re-embedded. */
  update: z
    .strictObject({
      ...caller,
      id: memoryId,
      content: optional(content),
      type: optional(label),
      importance: optional(fraction),
      tags: optional(labels(MAX_MEMORY_TAGS)),
    })
    .refine((p) => [p.content, p.type, p.importance, p.tags].some((value) => value !== undefined), {
      error: 'must change at least one of content, type, importance, tags',
    }),
  delete: z.strictObject({ ...caller, id: memoryId }),
  list: z.strictObject({
    ...caller,
    limit: limit(MEMORY_LIST_LIMIT),
    /** `nextCursor` of the previous page. */
    cursor: optional(z.string()),
    types: typesFilter,
  }),
  /** The memories the caller created, in every scope (a user's data export); newest first. */
  export: z.strictObject({
    ...caller,
    limit: limit(MEMORY_EXPORT_LIMIT),
    cursor: optional(z.string()),
  }),
  /** Delete the memories the caller created, in every scope (a user's erasure), a batch per call. */
  erase: z.strictObject(caller),
};

export const memoryEvent = z.discriminatedUnion('action', [
  z.object({ action: z.literal('create'), payload: payloads.create }),
  z.object({ action: z.literal('search'), payload: payloads.search }),
  z.object({ action: z.literal('get'), payload: payloads.get }),
  z.object({ action: z.literal('update'), payload: payloads.update }),
  z.object({ action: z.literal('delete'), payload: payloads.delete }),
  z.object({ action: z.literal('list'), payload: payloads.list }),
  z.object({ action: z.literal('export'), payload: payloads.export }),
  z.object({ action: z.literal('erase'), payload: payloads.erase }),
]);
/** What a caller sends. */
export type MemoryEvent = z.input<typeof memoryEvent>;
/** What the handler works with: checked, defaults applied, ids lower-cased, labels de-duplicated. */
export type MemoryRequest = z.output<typeof memoryEvent>;
export type MemoryPayloads = { [A in MemoryAction]: z.output<(typeof payloads)[A]> };

export const memory = z.object({
  id: z.string(),
  userId: z.string(),
  orgId: z.string(),
  scope: z.enum(MEMORY_SCOPES),
  type: z.string(),
  content: z.string(),
  importance: z.number(),
  tags: z.array(z.string()),
  /** ISO 8601. */
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Memory = z.output<typeof memory>;

/** A search result: 1 - cosine distance as `similarity`. */
export const memorySearchHit = memory.extend({ similarity: z.number() });
export type MemorySearchHit = z.output<typeof memorySearchHit>;

/** Success bodies (beside `success: true`) per action. */
export const memoryResponses = {
  create: z.object({ memory }),
  get: z.object({ memory }),
  update: z.object({ memory }),
  delete: z.object({ deleted: z.string() }),
  search: z.object({ memories: z.array(memorySearchHit) }),
  list: z.object({ memories: z.array(memory), nextCursor: z.string().optional() }),
  /** `total`: how many memories the caller created, on every page. */
  export: z.object({ memories: z.array(memory), nextCursor: z.string().optional(), total: z.int().min(0) }),
  /** `more`: a full batch was deleted, so more may remain. */
  erase: z.object({ erased: z.int().min(0), more: z.boolean() }),
};
export type MemoryResponses = { [A in MemoryAction]: z.output<(typeof memoryResponses)[A]> };
