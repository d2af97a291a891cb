import type { LambdaName } from './env';

/**
 * Size and time limit of each FABLE Lambda: the infrastructure configures the functions with
 * these, and handlers derive their own budgets from them (a handler's deadline can never drift
 * from its function's timeout).
 */
export interface FunctionSettings {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /**
   * Set for a function another one invokes asynchronously (InvocationType Event): how long Lambda
   * keeps retrying a failed event. An event that fails for good goes to the function's dead-letter
   * queue `fable-<stage>-<name>-dlq` (its on-failure destination), kept there for inspection and redrive.
   */
  readonly asyncInvocation?: AsyncInvocationSettings;
}

export interface AsyncInvocationSettings {
  /** Lambda's retries after the first attempt (0-2). */
  readonly maximumRetryAttempts: 0 | 1 | 2;
  /** Past this age an event is not retried but sent to the dead-letter queue (60-21600). */
  readonly maximumEventAgeSeconds: number;
}

/** The router's intent classifier gets this slice of its time; the keyword fallback decides past it. */
export const ROUTER_CLASSIFY_TIMEOUT_SECONDS = 3;

const MEMORY = { timeoutSeconds: 30, memoryMb: 512 } as const;
const BUILD_KICKOFF = { timeoutSeconds: 30, memoryMb: 256 } as const;
/**
 * A data export or erasure: a memory call may first wait out an Aurora resume (up to memory's
 * timeout), then pages of DynamoDB, S3 and memory work; a request cut short by this limit is
 * finished by a retry with the same requestId.
 */
const USER_DATA = { timeoutSeconds: 120, memoryMb: 512 } as const;

export const FUNCTION_SETTINGS = {
  'connection-manager': { timeoutSeconds: 10, memoryMb: 256 },
  /**
   * The router classifies, then waits for memory or build-kickoff to answer (memory may be waiting
   * out an Aurora resume from auto-pause), or waits for user-data (no classification), so it
   * outlasts each. The frame's answer goes out by PostToConnection, so API Gateway's 29 s
   * integration limit (it bounds route responses, which FABLE does not use) does not cut it short.
   */
  router: {
    timeoutSeconds: Math.max(ROUTER_CLASSIFY_TIMEOUT_SECONDS + Math.max(MEMORY.timeoutSeconds, BUILD_KICKOFF.timeoutSeconds), USER_DATA.timeoutSeconds) + 5,
    memoryMb: 256,
  },
  /**
   * A streamed reply with up to three tool rounds, each a model call plus tool invocations. The
   * router invokes it asynchronously: Lambda retries a failed reply twice, and a reply older than
   * ten minutes is no longer worth sending.
   */
  chat: { timeoutSeconds: 120, memoryMb: 512, asyncInvocation: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 600 } },
  memory: MEMORY,
  /** Long enough for a resume from auto-pause plus an index build on a grown table. */
  'db-init': { timeoutSeconds: 300, memoryMb: 256 },
  /** Long enough for the three bounded waits of a deploy that adopts a half-created function. */
  'tool-deployer': { timeoutSeconds: 600, memoryMb: 256 },
  'build-kickoff': BUILD_KICKOFF,
  'update-build-status': { timeoutSeconds: 30, memoryMb: 256 },
  /** A JWKS fetch on a cold start (3 s response limit, one retry) plus the verification. */
  'ws-authorizer': { timeoutSeconds: 10, memoryMb: 256 },
  'user-data': USER_DATA,
} satisfies Record<LambdaName, FunctionSettings>;

/** A Lambda's timeout in milliseconds: the budget a handler runs within when no context says otherwise. */
export function functionTimeoutMs(name: LambdaName): number {
  return FUNCTION_SETTINGS[name].timeoutSeconds * 1000;
}

/** CloudWatch Logs accepts only these retention periods (days): every log group FABLE creates uses one. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;
