import { echoContext, parseClientFrame } from '../../../lambdas/router/frames';
import { keywordIntent } from '../../../lambdas/router/intent';
import { HandlerError } from '../../../lambdas/shared/responses';

describe('parseClientFrame', () => {
  it('accepts the client frames of the protocol', () => {
    expect(parseClientFrame('{"type":"ping"}')).toEqual({ type: 'ping' });
    // A data request names no identity: fields beyond the protocol's are dropped.
    expect(parseClientFrame('{"type":"data_request","action":"erase","requestId":"r-2","userId":"someone"}')).toEqual({
      type: 'data_request',
      action: 'erase',
      requestId: 'r-2',
    });
    expect(parseClientFrame('{"type":"message","content":"hi","requestId":"r_1","conversationId":"c-1","action":"x"}')).toEqual({
      type: 'message',
      content: 'hi',
      requestId: 'r_1',
      conversationId: 'c-1',
    });
  });

  it.each([
    ['binary frames', () => parseClientFrame('AAEC', true), 'only text frames are accepted'],
    ['ids that could break a table key', () => parseClientFrame('{"type":"message","content":"x","conversationId":"a#MSG"}'), 'conversationId must be 1-64 letters, digits, "_" or "-"'],
    ['non-string content', () => parseClientFrame('{"type":"message","content":42}'), 'content must be a string'],
    ['a frame that is not an object', () => parseClientFrame('[1,2]'), 'frame must be an object'],
  ])('rejects %s as BAD_REQUEST', (_, parse, message) => {
    expect(parse).toThrow(new HandlerError('BAD_REQUEST', message));
  });

  it('echoes only well-formed ids of a bad frame', () => {
    expect(echoContext('{"requestId":"ok-1","conversationId":"not ok"}')).toEqual({ requestId: 'ok-1' });
    expect(echoContext('not json')).toEqual({});
  });
});

describe('keywordIntent', () => {
  it.each([
    ['Remember that my birthday is in May', 'MEMORY'],
    ["Don't forget I prefer metric units", 'MEMORY'],
    ['Build a tool that reads my calendar', 'BUILD'],
    ['Can you create an integration with Jira?', 'BUILD'],
    ['What is a tool for cutting wood?', 'CHAT'],
    ['Tell me a story', 'CHAT'],
  ])('classifies "%s" as %s', (content, intent) => {
    expect(keywordIntent(content)).toBe(intent);
  });
});
