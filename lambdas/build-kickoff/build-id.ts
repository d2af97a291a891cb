import { createHash, randomUUID } from 'node:crypto';

/**
 * The build id for a kickoff. With an idempotency key it is derived from (userId, key), so a
 * retried kickoff names the same build (and the same Step Functions execution); without one it
 * is random. Derived ids are RFC 9562 version-8 UUIDs, so every build id has one format.
 */
export function buildIdFor(userId: string, idempotencyKey: string | undefined): string {
  if (idempotencyKey === undefined) return randomUUID();
  const bytes = createHash('sha256').update(`fable-build\u0000${userId}\u0000${idempotencyKey}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x80;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
