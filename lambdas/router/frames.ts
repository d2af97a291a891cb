import { FRAME_ID_PATTERN, MAX_FRAME_BYTES, type ClientFrame } from '../shared/contract';
import { badRequest } from '../shared/responses';
import { isObject, optionalString, requireObject, requireOneOf, requireString } from '../shared/validation';

export interface FrameContext {
  readonly requestId?: string;
  readonly conversationId?: string;
}

const CLIENT_FRAME_TYPES = ['ping', 'message'] as const;

/**
 * Validate one client frame (DESIGN.md section 7): a JSON text frame of at most 32 KB, a known
 * `type`, non-empty `content` for messages, well-formed optional ids. Anything else is BAD_REQUEST.
 */
export function parseClientFrame(body: string | null | undefined, isBase64Encoded = false): ClientFrame {
  if (isBase64Encoded) throw badRequest('only text frames are accepted');
  if (body === undefined || body === null || body === '') throw badRequest('frame is empty');
  if (Buffer.byteLength(body, 'utf8') > MAX_FRAME_BYTES) throw badRequest(`frame exceeds ${MAX_FRAME_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw badRequest('frame is not valid JSON');
  }
  const frame = requireObject(value, 'frame');
  const type = requireOneOf(frame, 'type', CLIENT_FRAME_TYPES);
  if (type === 'ping') return { type };
  const content = requireString(frame, 'content');
  const requestId = optionalString(frame, 'requestId', { pattern: FRAME_ID_PATTERN });
  const conversationId = optionalString(frame, 'conversationId', { pattern: FRAME_ID_PATTERN });
  return {
    type,
    content,
    ...(requestId !== undefined ? { requestId } : {}),
    ...(conversationId !== undefined ? { conversationId } : {}),
  };
}

/** The well-formed ids of a rejected frame, so the error frame about it can still be correlated. */
export function echoContext(body: string | null | undefined): FrameContext {
  if (!body || Buffer.byteLength(body, 'utf8') > MAX_FRAME_BYTES) return {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return {};
  }
  if (!isObject(value)) return {};
  const id = (field: string) => {
    const candidate = value[field];
    return typeof candidate === 'string' && FRAME_ID_PATTERN.test(candidate) ? candidate : undefined;
  };
  const requestId = id('requestId');
  const conversationId = id('conversationId');
  return {
    ...(requestId !== undefined ? { requestId } : {}),
    ...(conversationId !== undefined ? { conversationId } : {}),
  };
}
