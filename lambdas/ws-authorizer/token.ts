import { TOKEN_QUERY_PARAMETER, TOKEN_SUBPROTOCOL_PREFIX } from '../shared/contract';
import { offeredSubprotocols, type HandshakeHeaders } from '../shared/subprotocols';

/** Where a `$connect` request carried its token. */
export type TokenSource = 'subprotocol' | 'query';

/** What a request presented: nothing, one token (and where), or something no client should send. */
export type Presented =
  | { readonly kind: 'none' }
  | { readonly kind: 'token'; readonly token: string; readonly source: TokenSource }
  | { readonly kind: 'malformed'; readonly reason: 'more_than_one_token' | 'empty_token' };

/** The request parts a token can travel in (header names as the client spelled them). */
export interface ConnectRequestParts {
  readonly headers?: HandshakeHeaders;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
}

/**
 * The token of a `$connect` request: an offered subprotocol `fable.bearer.<token>`, or the `token`
 * query parameter. Two tokens, or an empty one, are refused rather than guessed between.
 */
export function presentedToken(request: ConnectRequestParts): Presented {
  const found: { token: string; source: TokenSource }[] = offeredSubprotocols(request.headers)
    .filter((protocol) => protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX))
    .map((protocol) => ({ token: protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length), source: 'subprotocol' }));
  const query = request.queryStringParameters?.[TOKEN_QUERY_PARAMETER];
  if (query !== undefined) found.push({ token: query, source: 'query' });
  if (found.length === 0) return { kind: 'none' };
  if (found.length > 1) return { kind: 'malformed', reason: 'more_than_one_token' };
  if (found[0].token === '') return { kind: 'malformed', reason: 'empty_token' };
  return { kind: 'token', ...found[0] };
}
