import { createServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';

/** What both HTTP versions' responses offer an answer. */
export interface EndpointResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

/** Answers the request numbered `index` (from 0). Not ending the response leaves the request hanging. */
export type Responder = (response: EndpointResponse, index: number) => void;

export interface LocalEndpoint {
  /** `http://127.0.0.1:<port>`, for a client's `endpoint` or `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly url: string;
  /** Requests received so far (each SDK attempt is one). */
  readonly requests: () => number;
  close(): Promise<void>;
}

/**
 * An HTTP server standing in for an AWS service endpoint, so a real SDK client's own behaviour
 * runs. Clients that stream events (Bedrock runtime) speak HTTP/2 in cleartext: pass `http2`.
 */
export async function localEndpoint(respond: Responder, protocol: 'http1' | 'http2' = 'http1'): Promise<LocalEndpoint> {
  let count = 0;
  const handle = (request: { resume(): unknown }, response: EndpointResponse) => {
    request.resume();
    respond(response, count++);
  };
  const server = protocol === 'http2' ? createHttp2Server(handle) : createServer(handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** An AWS JSON-protocol error response, as the SDK parses it into a named exception. */
export function awsJsonError(response: EndpointResponse, status: number, type: string, message = type): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
  response.end(JSON.stringify({ __type: type, message }));
}
