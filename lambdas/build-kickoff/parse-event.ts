import { ANONYMOUS_USER_ID, DEFAULT_ORG_ID } from '../shared/contract';
import { ID_PATTERN, UUID_PATTERN, optionalString, requireObject, requireOneOf, requireString } from '../shared/validation';

/** Longest build request accepted; the full text goes to S3, so this bounds cost, not storage. */
export const MAX_REQUEST_CHARS = 20_000;

export interface StartBuildInput {
  readonly request: string;
  readonly userId: string;
  readonly orgId: string;
  readonly conversationId?: string;
  readonly connectionId?: string;
  readonly idempotencyKey?: string;
}

export type KickoffCommand =
  | { readonly action: 'start'; readonly input: StartBuildInput }
  | { readonly action: 'status'; readonly buildId: string };

/** Validate a build-kickoff event (DESIGN.md section 4); anything wrong is a BAD_REQUEST. */
export function parseKickoffEvent(event: unknown): KickoffCommand {
  const body = requireObject(event, 'event');
  const action = requireOneOf(body, 'action', ['start', 'status'] as const);
  const payload = requireObject(body.payload, 'payload');
  if (action === 'status') return { action, buildId: requireString(payload, 'buildId', { pattern: UUID_PATTERN }) };
  const id = { pattern: ID_PATTERN };
  const input: StartBuildInput = {
    request: requireString(payload, 'request', { maxLength: MAX_REQUEST_CHARS }),
    userId: optionalString(payload, 'userId', id) ?? ANONYMOUS_USER_ID,
    orgId: optionalString(payload, 'orgId', id) ?? DEFAULT_ORG_ID,
    conversationId: optionalString(payload, 'conversationId', id),
    connectionId: optionalString(payload, 'connectionId', id),
    idempotencyKey: optionalString(payload, 'idempotencyKey', id),
  };
  return { action, input };
}
