import { presentedToken } from '../../../lambdas/ws-authorizer/token';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1LTEifQ.c2ln';

describe('presentedToken', () => {
  it('takes the token from an offered fable.bearer.<token> subprotocol, beside fable.v1, whatever the header name\'s case', () => {
    expect(presentedToken({ headers: { 'Sec-WebSocket-Protocol': `fable.v1, fable.bearer.${TOKEN}` } })).toEqual({ kind: 'token', token: TOKEN, source: 'subprotocol' });
    expect(presentedToken({ headers: { 'sec-websocket-protocol': `fable.bearer.${TOKEN},fable.v1` } })).toEqual({ kind: 'token', token: TOKEN, source: 'subprotocol' });
  });

  it('takes the token from the token query parameter', () => {
    expect(presentedToken({ queryStringParameters: { token: TOKEN } })).toEqual({ kind: 'token', token: TOKEN, source: 'query' });
  });

  it('finds none when neither carries one (other subprotocols and parameters do not count)', () => {
    expect(presentedToken({})).toEqual({ kind: 'none' });
    expect(presentedToken({ headers: { 'Sec-WebSocket-Protocol': 'fable.v1' }, queryStringParameters: { other: 'x' } })).toEqual({ kind: 'none' });
    expect(presentedToken({ headers: null, queryStringParameters: null })).toEqual({ kind: 'none' });
  });

  it('refuses two tokens rather than choosing one, in one place or in both', () => {
    expect(presentedToken({ headers: { 'Sec-WebSocket-Protocol': `fable.bearer.${TOKEN}` }, queryStringParameters: { token: TOKEN } })).toEqual({
      kind: 'malformed',
      reason: 'more_than_one_token',
    });
    expect(presentedToken({ headers: { 'Sec-WebSocket-Protocol': `fable.bearer.a.b.c, fable.bearer.${TOKEN}` } })).toMatchObject({ kind: 'malformed' });
  });

  it('refuses an empty token', () => {
    expect(presentedToken({ queryStringParameters: { token: '' } })).toEqual({ kind: 'malformed', reason: 'empty_token' });
    expect(presentedToken({ headers: { 'Sec-WebSocket-Protocol': 'fable.v1, fable.bearer.' } })).toEqual({ kind: 'malformed', reason: 'empty_token' });
  });
});
