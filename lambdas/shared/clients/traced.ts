import { telemetry } from '../telemetry';

/**
 * The client, with every call it sends recorded as an X-Ray subsegment of the invocation (and the
 * trace header passed on, so an invoked FABLE function joins the caller's trace). Applied once,
 * where each client is created. Outside Lambda tracing is off and the client is returned as is.
 */
export function traced<Client>(client: Client): Client {
  return telemetry().tracer.captureAWSv3Client(client);
}
