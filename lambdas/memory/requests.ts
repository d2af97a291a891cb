import {
  DEFAULT_MEMORY_IMPORTANCE,
  DEFAULT_MEMORY_TYPE,
  MAX_MEMORY_CONTENT_BYTES,
  MAX_MEMORY_TAGS,
  MEMORY_ACTIONS,
  MEMORY_LIST_LIMIT,
  MEMORY_SCOPES,
  MEMORY_SEARCH_LIMIT,
  type MemoryAction,
  type MemoryScope,
} from '../shared/contract';
import { badRequest } from '../shared/responses';
import {
  ID_PATTERN,
  optionalInteger,
  optionalString,
  requireObject,
  requireOneOf,
  requireString,
  UUID_PATTERN,
  type JsonObject,
} from '../shared/validation';
import { decodeCursor, type ListCursor } from './cursor';

/** Who is asking: every memory call carries both (DESIGN.md section 4). */
export interface Caller {
  readonly userId: string;
  readonly orgId: string;
}

export interface MemoryFields {
  readonly type: string;
  readonly importance: number;
  readonly tags: string[];
}

/** A validated request with defaults filled in: nothing past this point checks input. */
export type ParsedMemoryRequest =
  | {
      readonly action: 'create';
      readonly caller: Caller;
      readonly content: string;
      readonly scope: MemoryScope;
      readonly fields: MemoryFields;
    }
  | {
      readonly action: 'search';
      readonly caller: Caller;
      readonly query: string;
      readonly limit: number;
      readonly minSimilarity?: number;
      readonly types?: string[];
    }
  | { readonly action: 'get' | 'delete'; readonly caller: Caller; readonly id: string }
  | { readonly action: 'update'; readonly caller: Caller; readonly id: string; readonly changes: MemoryChanges }
  | { readonly action: 'list'; readonly caller: Caller; readonly limit: number; readonly cursor?: ListCursor; readonly types?: string[] };

export interface MemoryChanges {
  readonly content?: string;
  readonly type?: string;
  readonly importance?: number;
  readonly tags?: string[];
}

/** Memory types and tags: short labels, no control characters. */
const LABEL_PATTERN = /^[^\x00-\x1f\x7f]{1,64}$/;
const MAX_TYPES_FILTER = 20;

/** The payload fields each action accepts; anything else is rejected rather than ignored. */
const ALLOWED_FIELDS: Record<MemoryAction, readonly string[]> = {
  create: ['content', 'scope', 'type', 'importance', 'tags'],
  search: ['query', 'limit', 'minSimilarity', 'types'],
  get: ['id'],
  update: ['id', 'content', 'type', 'importance', 'tags'],
  delete: ['id'],
  list: ['limit', 'cursor', 'types'],
};

/** Validate a memory event completely, before any AWS or database call. */
export function parseMemoryEvent(event: unknown): ParsedMemoryRequest {
  const body = requireObject(event, 'event');
  const action = requireOneOf(body, 'action', MEMORY_ACTIONS);
  const payload = requireObject(body.payload, 'payload');
  const caller: Caller = {
    userId: requireString(payload, 'userId', { pattern: ID_PATTERN }),
    orgId: requireString(payload, 'orgId', { pattern: ID_PATTERN }),
  };
  const unknown = Object.keys(payload).filter((k) => k !== 'userId' && k !== 'orgId' && !ALLOWED_FIELDS[action].includes(k));
  if (unknown.length > 0) throw badRequest(`payload has unknown fields for ${action}: ${unknown.join(', ')}`);

  switch (action) {
    case 'create':
      return {
        action,
        caller,
        content: text(payload, 'content'),
        scope: payload.scope === undefined ? 'user' : requireOneOf(payload, 'scope', MEMORY_SCOPES),
        fields: {
          type: label(payload, 'type') ?? DEFAULT_MEMORY_TYPE,
          importance: fraction(payload, 'importance') ?? DEFAULT_MEMORY_IMPORTANCE,
          tags: labels(payload, 'tags', MAX_MEMORY_TAGS) ?? [],
        },
      };
    case 'search':
      return {
        action,
        caller,
        query: text(payload, 'query'),
        limit: optionalInteger(payload, 'limit', 1, MEMORY_SEARCH_LIMIT.max) ?? MEMORY_SEARCH_LIMIT.default,
        minSimilarity: fraction(payload, 'minSimilarity'),
        types: typesFilter(payload),
      };
    case 'get':
    case 'delete':
      return { action, caller, id: memoryId(payload) };
    case 'update': {
      const changes: MemoryChanges = {
        content: payload.content === undefined ? undefined : text(payload, 'content'),
        type: label(payload, 'type'),
        importance: fraction(payload, 'importance'),
        tags: labels(payload, 'tags', MAX_MEMORY_TAGS),
      };
      if (Object.values(changes).every((v) => v === undefined)) {
        throw badRequest('update needs at least one of content, type, importance, tags');
      }
      return { action, caller, id: memoryId(payload), changes };
    }
    case 'list': {
      const cursor = optionalString(payload, 'cursor');
      return {
        action,
        caller,
        limit: optionalInteger(payload, 'limit', 1, MEMORY_LIST_LIMIT.max) ?? MEMORY_LIST_LIMIT.default,
        cursor: cursor === undefined ? undefined : decodeCursor(cursor),
        types: typesFilter(payload),
      };
    }
  }
}

/** Content and queries: non-blank, at most MAX_MEMORY_CONTENT_BYTES of UTF-8. */
function text(payload: JsonObject, field: string): string {
  const value = requireString(payload, field);
  if (Buffer.byteLength(value, 'utf8') > MAX_MEMORY_CONTENT_BYTES) {
    throw badRequest(`${field} must be at most ${MAX_MEMORY_CONTENT_BYTES} bytes`);
  }
  return value;
}

function memoryId(payload: JsonObject): string {
  return requireString(payload, 'id', { pattern: UUID_PATTERN }).toLowerCase();
}

function label(payload: JsonObject, field: string): string | undefined {
  return optionalString(payload, field, { pattern: LABEL_PATTERN });
}

function fraction(payload: JsonObject, field: string): number | undefined {
  const value = payload[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw badRequest(`${field} must be a number from 0 to 1`);
  }
  return value;
}

/** A type filter: a non-empty list (an empty one would match nothing, which no caller means). */
function typesFilter(payload: JsonObject): string[] | undefined {
  const types = labels(payload, 'types', MAX_TYPES_FILTER);
  if (types?.length === 0) throw badRequest('types must not be empty when given');
  return types;
}

/** A list of labels, duplicates dropped, order kept. */
function labels(payload: JsonObject, field: string, max: number): string[] | undefined {
  const value = payload[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > max) throw badRequest(`${field} must be an array of at most ${max} strings`);
  for (const item of value) {
    if (typeof item !== 'string' || !LABEL_PATTERN.test(item)) {
      throw badRequest(`${field} must contain strings of 1 to 64 printable characters`);
    }
  }
  return [...new Set(value as string[])];
}
