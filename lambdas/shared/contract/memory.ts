/**
 * The memory Lambda's payloads and responses (DESIGN.md section 4: every call carries `userId`
 * and `orgId`). Visibility: a caller sees its own `user` memories, its org's `org` memories and
 * every `global` one. A memory belongs to the (userId, orgId) that created it; only that owner
 * may update or delete it. An id the caller cannot see is NOT_FOUND, one it sees but does not
 * own is FORBIDDEN.
 */
export const MEMORY_SCOPES = ['user', 'org', 'global'] as const;
export type MemoryScope = (typeof MEMORY_SCOPES)[number];

/** Content (and search query) limit, in UTF-8 bytes: well inside Titan V2's 50,000 characters. */
export const MAX_MEMORY_CONTENT_BYTES = 32 * 1024;
export const MAX_MEMORY_TAGS = 20;
export const MEMORY_SEARCH_LIMIT = { default: 10, max: 50 } as const;
export const MEMORY_LIST_LIMIT = { default: 20, max: 100 } as const;
export const DEFAULT_MEMORY_TYPE = 'note';
export const DEFAULT_MEMORY_IMPORTANCE = 0.5;

interface Caller {
  readonly userId: string;
  readonly orgId: string;
}

export interface MemoryCreatePayload extends Caller {
  readonly content: string;
  /** Default `user`. */
  readonly scope?: MemoryScope;
  /** Free-form category, e.g. `preference`, `fact`; default `note`. */
  readonly type?: string;
  /** 0..1, default 0.5. */
  readonly importance?: number;
  readonly tags?: readonly string[];
}

export interface MemorySearchPayload extends Caller {
  readonly query: string;
  /** 1..50, default 10. */
  readonly limit?: number;
  /** Drop results whose similarity (1 - cosine distance) is below this, 0..1. */
  readonly minSimilarity?: number;
  readonly types?: readonly string[];
}

export interface MemoryIdPayload extends Caller {
  readonly id: string;
}

/** At least one field to change; a changed `content` is re-embedded. */
export interface MemoryUpdatePayload extends MemoryIdPayload {
  readonly content?: string;
  readonly type?: string;
  readonly importance?: number;
  readonly tags?: readonly string[];
}

export interface MemoryListPayload extends Caller {
  /** 1..100, default 20. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  readonly types?: readonly string[];
}

export type MemoryRequest =
  | { readonly action: 'create'; readonly payload: MemoryCreatePayload }
  | { readonly action: 'search'; readonly payload: MemorySearchPayload }
  | { readonly action: 'get'; readonly payload: MemoryIdPayload }
  | { readonly action: 'update'; readonly payload: MemoryUpdatePayload }
  | { readonly action: 'delete'; readonly payload: MemoryIdPayload }
  | { readonly action: 'list'; readonly payload: MemoryListPayload };

export interface Memory {
  readonly id: string;
  readonly userId: string;
  readonly orgId: string;
  readonly scope: MemoryScope;
  readonly type: string;
  readonly content: string;
  readonly importance: number;
  readonly tags: string[];
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface MemorySearchHit extends Memory {
  /** 1 - cosine distance. */
  readonly similarity: number;
}

/** Success bodies (beside `success: true`) per action. */
export interface MemoryResponses {
  create: { readonly memory: Memory };
  get: { readonly memory: Memory };
  update: { readonly memory: Memory };
  delete: { readonly deleted: string };
  search: { readonly memories: MemorySearchHit[] };
  list: { readonly memories: Memory[]; readonly nextCursor?: string };
}
