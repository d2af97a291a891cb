import { FRAME_ID_PATTERN, MAX_FRAME_BYTES, type ChatEvent } from '../shared/contract';
import { ID_PATTERN, requireObject, requireString } from '../shared/validation';

/** Validate the router's hand-off (DESIGN.md section 4): ids well-formed, content bounded like a frame. */
export function parseChatEvent(event: unknown): ChatEvent {
  const body = requireObject(event, 'event');
  const id = { pattern: ID_PATTERN };
  const frameId = { pattern: FRAME_ID_PATTERN };
  return {
    connectionId: requireString(body, 'connectionId', id),
    userId: requireString(body, 'userId', id),
    orgId: requireString(body, 'orgId', id),
    requestId: requireString(body, 'requestId', frameId),
    conversationId: requireString(body, 'conversationId', frameId),
    content: requireString(body, 'content', { maxLength: MAX_FRAME_BYTES }),
  };
}
