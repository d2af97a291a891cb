import * as z from 'zod';
import { clientFrame, frameId, MAX_FRAME_BYTES, type ClientFrame } from '../shared/contract';
import { badRequest } from '../shared/responses';
import { parseInput } from '../shared/validation';

export interface FrameContext {
  readonly requestId?: string;
  readonly conversationId?: string;
}

/**
 * Validate one client frame (DESIGN.md section 7): a JSON text frame of at most 32 KB that matches
 * the protocol's client frame schema. Anything else is BAD_REQUEST.
 */
export function parseClientFrame(body: string | null | undefined, isBase64Encoded = false): ClientFrame {
  if (isBase64Encoded) throw badRequest('only text frames are accepted');
  if (body === undefined || body === null || body === '') throw badRequest('frame is empty');
  if (Buffer.byteLength(body, 'utf8') > MAX_FRAME_BYTES) throw badRequest(`frame exceeds ${MAX_FRAME_BYTES} bytes`);
  const value = parseJson(body);
  if (value === NOT_JSON) throw badRequest('frame is not valid JSON');
  return parseInput(clientFrame, value, 'frame');
}

const NOT_JSON = Symbol('not JSON');

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return NOT_JSON;
  }
}

/** The ids a frame carries, each kept only when well-formed. */
const frameIds = z.object({ requestId: frameId.optional().catch(undefined), conversationId: frameId.optional().catch(undefined) });

/** The well-formed ids of a rejected frame, so the error frame about it can still be correlated. */
export function echoContext(body: string | null | undefined): FrameContext {
  if (!body || Buffer.byteLength(body, 'utf8') > MAX_FRAME_BYTES) return {};
  const ids = frameIds.safeParse(parseJson(body));
  return ids.success ? ids.data : {};
}
