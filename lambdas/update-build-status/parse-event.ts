import { BUILD_PHASES, type BuildPhase, type UpdateBuildStatusEvent } from '../shared/contract';
import { badRequest } from '../shared/responses';
import { UUID_PATTERN, isObject, requireObject, requireOneOf, requireString } from '../shared/validation';

/** Results and errors are a record for people, not a data store: keep the item small. */
export const MAX_RESULT_BYTES = 16 * 1024;
export const MAX_ERROR_CHARS = 4_000;

export interface StatusUpdate {
  readonly buildId: string;
  readonly status: UpdateBuildStatusEvent['status'];
  readonly phase?: BuildPhase;
  readonly result?: unknown;
  readonly error?: string;
}

/** Validate an update-build-status event (DESIGN.md section 4); anything wrong is a BAD_REQUEST. */
export function parseStatusUpdate(event: unknown): StatusUpdate {
  const body = requireObject(event, 'event');
  const buildId = requireString(body, 'buildId', { pattern: UUID_PATTERN });
  const status = requireOneOf(body, 'status', ['running', 'completed', 'failed'] as const);
  const phase = body.phase === undefined || body.phase === null ? undefined : requireOneOf(body, 'phase', BUILD_PHASES);
  const result = body.result === undefined || body.result === null ? undefined : cappedResult(body.result);
  const error = body.error === undefined || body.error === null ? undefined : errorText(body.error);
  return {
    buildId,
    status,
    ...(phase !== undefined ? { phase } : {}),
    ...(result !== undefined ? { result } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/** A result too large to keep is replaced by a marker saying so (the full output stays in S3). */
function cappedResult(result: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch {
    throw badRequest('result must be JSON');
  }
  if (json === undefined) throw badRequest('result must be JSON');
  const bytes = Buffer.byteLength(json);
  return bytes <= MAX_RESULT_BYTES ? JSON.parse(json) : { truncated: true, sizeBytes: bytes };
}

/**
 * Where a JSON Cause keeps its message: a Lambda error (`errorMessage`, next to a stack trace),
 * a phase's failure record (`error`), a stopped ECS task's description (`StoppedReason`).
 */
const CAUSE_MESSAGE_FIELDS = ['errorMessage', 'error', 'StoppedReason', 'stoppedReason'];

/**
 * The error as one line for people. Step Functions hands over `{Error, Cause}`, and a Cause is
 * often a whole JSON document: only its message is kept.
 */
function errorText(error: unknown): string {
  let text: string;
  if (typeof error === 'string') text = error;
  else if (isObject(error) && typeof error.Error === 'string') {
    text = typeof error.Cause === 'string' && error.Cause !== '' ? `${error.Error}: ${causeMessage(error.Cause)}` : error.Error;
  } else text = JSON.stringify(error) ?? String(error);
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS - 1)}…`;
}

function causeMessage(cause: string): string {
  try {
    const parsed: unknown = JSON.parse(cause);
    if (isObject(parsed)) {
      const field = CAUSE_MESSAGE_FIELDS.find((name) => typeof parsed[name] === 'string' && parsed[name] !== '');
      if (field) return parsed[field] as string;
    }
  } catch {
    // Not JSON: the cause is already a message.
  }
  return cause;
}
