import { UUID_PATTERN } from '../shared/contract';
import { badRequest } from '../shared/responses';

/**
 * Keyset position in a newest-first list: the last item's created_at (in microseconds since
 * the epoch, exact, unlike a JS Date) and its id as the tie-breaker. Opaque to callers.
 */
export interface ListCursor {
  readonly createdMicros: string;
  readonly id: string;
}

const MAX_CURSOR_LENGTH = 200;

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(`${cursor.createdMicros}.${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(text: string): ListCursor {
  const invalid = () => badRequest('payload.cursor is invalid');
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  const [createdMicros, id, ...rest] = Buffer.from(text, 'base64url').toString('utf8').split('.');
  if (rest.length > 0 || !/^-?\d{1,18}$/.test(createdMicros ?? '') || !UUID_PATTERN.test(id ?? '')) throw invalid();
  return { createdMicros, id };
}
