import * as z from 'zod';
import { updateBuildStatusEvent } from '../shared/contract';

/** Results and errors are a record for people, not a data store: keep the item small. */
export const MAX_RESULT_BYTES = 16 * 1024;
export const MAX_ERROR_CHARS = 4_000;

/** A result too large to keep is replaced by a marker saying so (the full output stays in S3). */
function cappedResult(result: unknown): unknown {
  const bytes = Buffer.byteLength(JSON.stringify(result));
  return bytes <= MAX_RESULT_BYTES ? result : { truncated: true, sizeBytes: bytes };
}

/**
 * Where a JSON Cause keeps its message: a Lambda error (`errorMessage`, next to a stack trace),
 * a phase's failure record (`error`), a stopped ECS task's description (`StoppedReason`).
 */
const causeRecord = z.union([
  z.object({ errorMessage: z.string().min(1) }).transform((cause) => cause.errorMessage),
  z.object({ error: z.string().min(1) }).transform((cause) => cause.error),
  z.object({ StoppedReason: z.string().min(1) }).transform((cause) => cause.StoppedReason),
  z.object({ stoppedReason: z.string().min(1) }).transform((cause) => cause.stoppedReason),
]);

/** What Step Functions hands over for a caught error. */
const stepFunctionsError = z.object({ Error: z.string(), Cause: z.string().optional() });

function causeMessage(cause: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(cause);
  } catch {
    return cause; // Not JSON: the cause is already a message.
  }
  const message = causeRecord.safeParse(parsed);
  return message.success ? message.data : cause;
}

/** `Error: message` of a `{Error, Cause}` Step Functions hands over. */
function caughtErrorText(error: unknown): string | undefined {
  const caught = stepFunctionsError.safeParse(error);
  if (!caught.success) return undefined;
  const { Error: name, Cause: cause } = caught.data;
  return cause ? `${name}: ${causeMessage(cause)}` : name;
}

/** The error as one line for people: a Cause is often a whole JSON document, of which only its message is kept. */
function errorText(error: unknown): string {
  const text = typeof error === 'string' ? error : (caughtErrorText(error) ?? JSON.stringify(error));
  return text.length <= MAX_ERROR_CHARS ? text : `${text.slice(0, MAX_ERROR_CHARS - 1)}…`;
}

/** The pipeline's status event, checked, with its result capped and its error made one line. */
export const statusUpdate = updateBuildStatusEvent
  // The token is what lets a person's decision reach the waiting task: exactly that status carries one.
  .refine((update) => (update.status === 'awaiting_approval') === (update.taskToken !== undefined), {
    error: 'taskToken is required with status awaiting_approval, and only with it',
    path: ['taskToken'],
  })
  .transform(({ result, error, ...update }) => ({
    ...update,
    ...(result !== undefined ? { result: cappedResult(result) } : {}),
    ...(error !== undefined ? { error: errorText(error) } : {}),
  }));
export type StatusUpdate = z.output<typeof statusUpdate>;
