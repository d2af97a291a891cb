import type { LambdaName } from './env';

/**
 * Size and time limit of each FABLE Lambda: the infrastructure configures the functions with
 * these, and handlers derive their own budgets from them (a handler's deadline can never drift
 * from its function's timeout).
 */
export interface FunctionSettings {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export const FUNCTION_SETTINGS = {
  'connection-manager': { timeoutSeconds: 10, memoryMb: 256 },
  /** The router answers a live socket: classify (a small slice of this) and hand off. */
  router: { timeoutSeconds: 20, memoryMb: 256 },
  /** A streamed reply with up to three tool rounds, each a model call plus tool invocations. */
  chat: { timeoutSeconds: 120, memoryMb: 512 },
  memory: { timeoutSeconds: 30, memoryMb: 512 },
  /** Long enough for a resume from auto-pause plus an index build on a grown table. */
  'db-init': { timeoutSeconds: 300, memoryMb: 256 },
  /** Long enough for the three bounded waits of a deploy that adopts a half-created function. */
  'tool-deployer': { timeoutSeconds: 600, memoryMb: 256 },
  'build-kickoff': { timeoutSeconds: 30, memoryMb: 256 },
  'update-build-status': { timeoutSeconds: 30, memoryMb: 256 },
} as const satisfies Record<LambdaName, FunctionSettings>;

/** A Lambda's timeout in milliseconds: the budget a handler runs within when no context says otherwise. */
export function functionTimeoutMs(name: LambdaName): number {
  return FUNCTION_SETTINGS[name].timeoutSeconds * 1000;
}
