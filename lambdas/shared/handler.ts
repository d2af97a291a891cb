import type { Context } from 'aws-lambda';
import type * as z from 'zod';
import { functionTimeoutMs, type DirectResponse, type LambdaEnvironment, type LambdaName } from './contract';
import { once } from './clients/once';
import { lambdaConfig } from './config';
import { publishMetrics } from './metrics';
import { respond } from './responses';
import { startTelemetry, useTelemetry, type Telemetry } from './telemetry';
import { parseInput } from './validation';

/**
 * One invocation: the event, the container's dependencies, and Lambda's context (absent in local
 * runs). Direct-invoke events are `unknown` until their schema checked them.
 */
export type Invoke<Deps, Result, Event = unknown> = (event: Event, deps: Deps, context?: Context) => Promise<Result>;

export type LambdaHandler<Result, Event = unknown> = (event: Event, context?: Context) => Promise<Result>;

/**
 * The one edge every FABLE Lambda is made with. The configuration is read (`lambdaConfig`), the
 * container's telemetry started (logs, metrics, traces: ./telemetry) and the dependencies built on
 * the first invocation, then reused by the container: loading the bundle needs no environment,
 * and a misconfigured function fails its invocation loudly instead of answering. `invoke` shapes
 * the response (direct-invoke `respond`, WebSocket status, chat's outcome). Every invocation is
 * observed the same way (`observed`).
 */
export function lambdaHandler<N extends LambdaName, Deps, Result, Event = unknown>(
  name: N,
  makeDeps: (env: LambdaEnvironment<N>) => Deps,
  invoke: Invoke<Deps, Result, Event>,
): LambdaHandler<Result, Event> {
  const container = once(() => {
    const env = lambdaConfig(name);
    // Every Lambda has the telemetry bindings (contract TELEMETRY).
    const common = env as LambdaEnvironment<LambdaName>;
    const telemetry = startTelemetry(name, { stage: common.STAGE, logLevel: common.LOG_LEVEL });
    // Clients are made after the telemetry, so each is traced by this function's tracer.
    return { telemetry, deps: makeDeps(env) };
  });
  return async (event, context) => {
    const { telemetry, deps } = container();
    return observed(telemetry, context, () => invoke(event, deps, context));
  };
}

/**
 * One invocation, observed: log records carry the Lambda context (and the correlation keys the
 * handler adds with `correlate`, dropped afterwards); the invocation is a subsegment of Lambda's
 * trace, annotated with ColdStart and Service (its response is never recorded: it may hold
 * content); the metrics it kept are published however it ends.
 */
async function observed<Result>(telemetry: Telemetry, context: Context | undefined, run: () => Promise<Result>): Promise<Result> {
  const { logger, tracer } = telemetry;
  useTelemetry(telemetry);
  if (context) logger.addContext(context);
  const closeSegment = openSegment(telemetry);
  try {
    return await run();
  } catch (error) {
    if (tracer.isTracingEnabled()) tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    publishMetrics();
    closeSegment?.();
    logger.resetKeys();
  }
}

/** The invocation's own subsegment under Lambda's segment (as Powertools' captureLambdaHandler opens it); undefined when not tracing. */
function openSegment({ tracer }: Telemetry): (() => void) | undefined {
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  if (!parent) return undefined;
  const segment = parent.addNewSubsegment(`## ${process.env._HANDLER ?? 'index.handler'}`);
  tracer.setSegment(segment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  return () => {
    segment.close();
    tracer.setSegment(parent);
  };
}

/**
 * Milliseconds this invocation has left, less `reserveMs` (kept for the work after a wait and for
 * answering): from the context, or the function's configured timeout when there is none (a local run).
 */
export function remainingTimeMs(name: LambdaName, context?: Context, reserveMs = 0): number {
  return Math.max(0, (context?.getRemainingTimeInMillis() ?? functionTimeoutMs(name)) - reserveMs);
}

/** Epoch ms at which this invocation times out. */
export function invocationDeadline(name: LambdaName, context?: Context): number {
  return Date.now() + remainingTimeMs(name, context);
}

/**
 * The DESIGN.md section 4 direct-invoke shape: the event is checked against its schema before
 * anything else (bad input is BAD_REQUEST and reaches nothing), then `work` runs inside `respond`.
 */
export function directInvoke<S extends z.ZodType, Deps, Body extends object>(
  schema: S,
  work: (request: z.output<S>, deps: Deps, context?: Context) => Promise<Body>,
): Invoke<Deps, DirectResponse<Body>> {
  return (event, deps, context) => respond(() => work(parseInput(schema, event), deps, context));
}
