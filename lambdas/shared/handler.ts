import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { functionTimeoutMs, type DirectResponse, type LambdaEnvironment, type LambdaName } from './contract';
import { once } from './clients/once';
import { lambdaConfig } from './config';
import { respond } from './responses';
import { parseInput } from './validation';

/**
 * One invocation: the event, the container's dependencies, and Lambda's context (absent in local
 * runs). Direct-invoke events are `unknown` until their schema checked them.
 */
export type Invoke<Deps, Result, Event = unknown> = (event: Event, deps: Deps, context?: Context) => Promise<Result>;

export type LambdaHandler<Result, Event = unknown> = (event: Event, context?: Context) => Promise<Result>;

/**
 * The one edge every FABLE Lambda is made with. The configuration is read (`lambdaConfig`) and
 * the dependencies are built on the first invocation, then reused by the container: loading the
 * bundle needs no environment, and a misconfigured function fails its invocation loudly instead
 * of answering. `invoke` shapes the response (direct-invoke `respond`, WebSocket status, chat's
 * outcome). This is where the operations middlewares (logger, tracer, metrics) wrap every handler.
 */
export function lambdaHandler<N extends LambdaName, Deps, Result, Event = unknown>(
  name: N,
  makeDeps: (env: LambdaEnvironment<N>) => Deps,
  invoke: Invoke<Deps, Result, Event>,
): LambdaHandler<Result, Event> {
  const deps = once(() => makeDeps(lambdaConfig(name)));
  return async (event, context) => invoke(event, deps(), context);
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
