/** Reading the WebSocket handshake's headers, which `$connect` events and its authorizer both receive. */

export type HandshakeHeaders = Readonly<Record<string, string | undefined>> | null | undefined;

/** A header's value, whatever the case of its name (HTTP header names are case-insensitive). */
function headerValue(headers: HandshakeHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** The subprotocols a client offered in `Sec-WebSocket-Protocol` (a comma-separated list). */
export function offeredSubprotocols(headers: HandshakeHeaders): string[] {
  return (headerValue(headers, 'Sec-WebSocket-Protocol') ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}
